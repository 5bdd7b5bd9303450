"""Trains the defect-inspection models and writes them into a Triton model repository."""
