"""Running the dashboard: the one start script (``deploy/serve``), its nginx
template, and the container files."""
