# ProC-KD as the fine-tuning stage on the distilled backbone (docs/plans/pipeline.md, step B
# (a)): retinanet_r18_parts_pt-procd.py with the student's backbone initialised from
# the stage 1 of pt-dft-pkd, the same file for each seed (run_zoo.py points the checkpoint at
# it), so the pair pt-dft-pkd / pt-dft-procd differs only in stage 2.
_base_ = ['./retinanet_r18_parts_pt-procd.py']
model = dict(student=dict(backbone=dict(init_cfg=dict(
    checkpoint='work_dirs/zoo/dft-distill.pth'))))
