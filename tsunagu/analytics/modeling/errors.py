class ModelingError(ValueError):
    """Bad input for training or scoring; the message is Japanese and shown to the user as is."""
