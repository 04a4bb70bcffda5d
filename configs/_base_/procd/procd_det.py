# ProC-KD settings shared by detector students (augmentation on every FPN level).
procd = dict(
    proto_head=dict(
        channels=256, num_prototypes=72, grid_level=0, assign_temperature=0.1, center=True),
    aug_neck=dict(embed_channels=128, final_relu=False),
    guided=True,
    loss_feat=dict(type='procd_mm.FeatureMSELoss', loss_weight=1.0, normalize=True),
    teacher_amp='auto')
# Single-stage detectors (RetinaNet, FCOS): the guided pass runs the student's own FPN on
# the teacher's levels, each projected onto the backbone level its FPN reads that is
# nearest in stride (guided_input='backbone', ours; the zoo's detection recipe, whose
# selection is recorded in docs/plans/one_recipe_results.md). Two-stage detectors use
# the distiller's default, 'aug' (the authors' teacher branch at the augmentation neck).
procd_single_stage = dict(procd, guided_input='backbone')
# Resumes the run's own checkpoints with full unpickling; everything else loads weights-only.
runner_type = 'procd_mm.ProCDRunner'
custom_imports = dict(imports=['procd_mm.models', 'procd_mm.engine'], allow_failed_imports=False)
# Stop at the first non-finite loss, naming the iteration, the keys and the last checkpoint.
custom_hooks = [dict(type='procd_mm.NonFiniteLossHook')]
