# Ablation: ProC-KD without the guided pass (no guided losses, no feature/logit distillation).
_base_ = ['./fcn_r18_parts_procd.py']
model = dict(guided=False)
