# Control of retinanet_r18_parts_pt-dft-procd.py: its stage 2 with a randomly
# initialised ResNet-50 teacher (stage 1 is the same file).
_base_ = ['./retinanet_r18_parts_pt-dft-procd.py']
model = dict(teacher_ckpt=None)
