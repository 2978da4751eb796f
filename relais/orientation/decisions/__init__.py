"""Orientation decisions (MDPH or without decision): the model, creation, expiry and cancellation with the cascade on
their requests.
"""
