# ProC-KD with the guided pass reading the aligned teacher map alone (guided_residual=False), the
# design before the residual guided features.
_base_ = ['./retinanet_r18_parts_procd.py']
model = dict(guided_residual=False)
