"""Streamlit-facing helpers shared by every page: the page frame with its
global filters, the one caching module and the data notices."""
