"""The registry: runs (claim, progress, fail, succeed, one folder per attempt), model versions
(register, activate, roll back, activation checks) and the bias-audit gate. It reads the kinds
registered in training/kinds.py and never imports a capability folder."""
