# The realistic regime's student pretraining (what ImageNet pretraining is in practice): the
# student's ResNet-18 backbone trained as a classifier on a classification split of its own
# (120 images per class, generator seed 2, disjoint from the teachers' images; run_zoo.py
# writes it to <data>_cls_pretrain), with the zoo teacher's recipe. Produces
# work_dirs/zoo/student_r18/student_r18_procd-parts-pretrain.pth.
_base_ = ['./teacher_r18_procd-parts-cls.py']
data_root = 'data/procd_parts_cls_pretrain/cls/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
work_dir = 'work_dirs/zoo/student_r18'
