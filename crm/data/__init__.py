"""Fixed data shipped with the application, such as the demo dataset's lists."""
