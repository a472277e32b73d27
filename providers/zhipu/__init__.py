"""Zhipu AI (bigmodel.cn) and Z.ai: the coding plan's quota endpoint and its demo."""
