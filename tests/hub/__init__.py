"""The course on a real JupyterHub."""
