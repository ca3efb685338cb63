"""The Streamlit shell: the only package that imports streamlit. Pages wire widgets to the core."""
