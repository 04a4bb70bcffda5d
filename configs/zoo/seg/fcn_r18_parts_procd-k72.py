# Ablation: ProC-KD with K = 72 prototypes (the authors' value).
_base_ = ['./fcn_r18_parts_procd.py']
model = dict(proto_head=dict(num_prototypes=72))
