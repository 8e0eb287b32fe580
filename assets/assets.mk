assets: ## Rebuild the committed CSS/JS from assets/ (needs Node and npm)
	cd assets && npm ci && bash build.sh
.PHONY: assets
