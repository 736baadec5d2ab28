"""Chart views: query + suppression + figure + text, shared by pages and exports."""
