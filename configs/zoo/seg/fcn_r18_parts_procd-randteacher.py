# Control: ProC-KD with a randomly initialised teacher (teacher_ckpt=None). What this row gains
# over the plain student does not come from the pretrained teacher.
_base_ = ['./fcn_r18_parts_procd.py']
model = dict(teacher_ckpt=None)
