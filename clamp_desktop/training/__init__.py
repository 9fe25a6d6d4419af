"""Training CLaMP-style models: corpus preparation, descriptions, pre-training, fine-tuning.

``clamp-desktop train`` is the command-line face; the bundled model
``clamp-desktop-mini`` is the output of ``train_bundled`` (see docs/model-card.md).
"""
