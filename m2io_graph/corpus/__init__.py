"""Reading illustrated documents and keeping them in a vector store."""
