# Distill-then-fine-tune, stage 1 with BackboneDistiller (procd_mm.models.pretrainers): the
# student's backbone alone, on the training images as an unlabelled folder (no annotation
# file is read), the same flips, batch and schedule as the zoo's first dft stage
# (zoo_methods.py: dft_stage1, half the plain schedule). Names are prefixed ``bd_`` because
# the leaves also inherit the task's config.
bd_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='procd_mm.PackImageInputs'),
]
bd_loader = dict(
    batch_size=8, num_workers=1, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True), collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='procd_mm.UnlabelledImageFolder', data_root='data/procd_parts/scenes/',
                 data_prefix=dict(img_path='img_dir/train/'), pipeline=bd_pipeline))
# The objectives compared (docs/plans/pipeline.md): PKD on the three teacher stages, one to
# one with the student's last three (as the zoo's dft); the others on the teacher's last
# stage against the student's last, as each is published (RADIO, LightlyTrain v2 / v3).
bd_objectives = dict(
    pkd=dict(teacher_levels=[0, 1, 2], objective=dict(type='procd_mm.PKDObjective')),
    cos=dict(teacher_levels=[2], objective=dict(type='procd_mm.CosineSmoothL1Objective')),
    mse=dict(teacher_levels=[2], objective=dict(type='procd_mm.MLPMSEObjective')),
    pkl=dict(teacher_levels=[2], objective=dict(type='procd_mm.PatchSimilarityKLObjective')),
)
