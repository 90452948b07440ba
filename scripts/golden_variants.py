"""Writes extra golden kernel cases (same schema as ../shared/golden: PyTorch float64
math stored as float32) with shapes, seeds and attribute values the shared cases do not
use, to show that the data-driven golden test passes new files without code changes.

    torch-env/bin/python scripts/golden_variants.py Tests/Fixtures/golden-variants
"""
import json, struct, sys
import torch, torch.nn.functional as F

def save(path, tensors, op, attrs, description):
    header, blobs, offset = {}, [], 0
    def dtype_of(t):
        return "I32" if t.dtype in (torch.int32, torch.int64) else "F32"
    # The reference writer's order: dtypes from the widest rank down (F32 before I32), then names.
    for name in sorted(tensors, key=lambda n: (dtype_of(tensors[n]) != "F32", n)):
        t = tensors[name]
        dtype = dtype_of(t)
        data = bytes(t.detach().to(torch.int32 if dtype == "I32" else torch.float32).contiguous().untyped_storage())
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data); offset += len(data)
    header["__metadata__"] = {"op": op, "attrs": json.dumps(attrs), "tolerance": "0.0001", "description": description}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h))); f.write(h); [f.write(b) for b in blobs]

def leaf(*shape):
    return torch.randn(*shape, dtype=torch.float64).float().double().requires_grad_()

def grads(out_sum, named):
    out_sum.backward()
    return {f"grad.{k}": v.grad for k, v in named.items() if v.grad is not None}

def main(folder):
    torch.manual_seed(7)
    # conv2d 5x5, stride 2, padding 2, bias, odd sizes
    x, w, b = leaf(3, 5, 11, 9), leaf(7, 5, 5, 5), leaf(7)
    y = F.conv2d(x, w, b, stride=2, padding=2); g = torch.randn_like(y)
    t = {"in.x": x, "param.weight": w, "param.bias": b, "out.y": y, "grad_out.y": g}
    t.update(grads((y * g).sum(), {"x": x, "weight": w, "bias": b}))
    save(f"{folder}/conv2d_5x5_s2_p2_variant.safetensors", t, "conv2d",
         {"stride": 2, "padding": 2, "groups": 1, "dilation": 1, "bias": True, "layout": "NCHW, weight [out, in/groups, kh, kw]"},
         "conv2d variant: 5x5 stride 2 padding 2 with bias, odd spatial sizes")
    # grouped conv without bias, 3 groups
    x, w = leaf(2, 6, 7, 7), leaf(9, 2, 3, 3)
    y = F.conv2d(x, w, None, stride=1, padding=1, groups=3); g = torch.randn_like(y)
    t = {"in.x": x, "param.weight": w, "out.y": y, "grad_out.y": g}
    t.update(grads((y * g).sum(), {"x": x, "weight": w}))
    save(f"{folder}/conv2d_grouped3_nobias_variant.safetensors", t, "conv2d",
         {"stride": 1, "padding": 1, "groups": 3, "dilation": 1, "bias": False, "layout": "NCHW, weight [out, in/groups, kh, kw]"},
         "conv2d variant: 3 groups, no bias")
    # batchnorm2d training, other shape and momentum
    x, w, b = leaf(5, 3, 4, 6), leaf(3), leaf(3)
    rm, rv = torch.randn(3, dtype=torch.float64).float().double(), torch.rand(3, dtype=torch.float64).float().double() + 0.5
    rm2, rv2 = rm.clone(), rv.clone()
    y = F.batch_norm(x, rm2, rv2, w, b, training=True, momentum=0.3, eps=1e-3); g = torch.randn_like(y)
    t = {"in.x": x, "param.weight": w, "param.bias": b, "state.running_mean": rm, "state.running_var": rv,
         "out.y": y, "out.running_mean": rm2, "out.running_var": rv2, "grad_out.y": g}
    t.update(grads((y * g).sum(), {"x": x, "weight": w, "bias": b}))
    save(f"{folder}/batchnorm2d_train_variant.safetensors", t, "batchnorm2d",
         {"eps": 1e-3, "momentum": 0.3, "training": True, "running_var": "unbiased batch variance in the update, biased in normalization"},
         "batchnorm2d variant: momentum 0.3, eps 1e-3")
    # layernorm channels_last, C = 5, eps 1e-5
    x, w, b = leaf(3, 2, 5), leaf(5), leaf(5)
    y = F.layer_norm(x, (5,), w, b, eps=1e-5); g = torch.randn_like(y)
    t = {"in.x": x, "param.weight": w, "param.bias": b, "out.y": y, "grad_out.y": g}
    t.update(grads((y * g).sum(), {"x": x, "weight": w, "bias": b}))
    save(f"{folder}/layernorm_channels_last_variant.safetensors", t, "layernorm", {"eps": 1e-5, "layout": "channels_last"},
         "layernorm variant: C = 5, eps 1e-5")
    # linear without bias, 3-d input
    x, w = leaf(2, 3, 4), leaf(6, 4)
    y = F.linear(x, w); g = torch.randn_like(y)
    t = {"in.x": x, "param.weight": w, "out.y": y, "grad_out.y": g}
    t.update(grads((y * g).sum(), {"x": x, "weight": w}))
    save(f"{folder}/linear_nobias_3d_variant.safetensors", t, "linear", {"layout": "weight [out, in]"},
         "linear variant: no bias, leading dims [2, 3]")
    # maxpool 2x2 stride 2, avgpool 3x3 stride 1 padding 1
    x = leaf(2, 3, 6, 6)
    y = F.max_pool2d(x, 2, 2); g = torch.randn_like(y)
    t = {"in.x": x, "out.y": y, "grad_out.y": g}; t.update(grads((y * g).sum(), {"x": x}))
    save(f"{folder}/maxpool_2x2_s2_variant.safetensors", t, "maxpool", {"kernel": 2, "stride": 2, "padding": 0}, "maxpool variant")
    x = leaf(2, 2, 5, 5)
    y = F.avg_pool2d(x, 3, 1, 1); g = torch.randn_like(y)
    t = {"in.x": x, "out.y": y, "grad_out.y": g}; t.update(grads((y * g).sum(), {"x": x}))
    save(f"{folder}/avgpool_3x3_s1_p1_variant.safetensors", t, "avgpool", {"kernel": 3, "stride": 1, "padding": 1}, "avgpool variant")
    # cross entropy, 7 classes, label smoothing 0.2
    z = leaf(6, 7); y = torch.randint(0, 7, (6,))
    loss = F.cross_entropy(z, y, label_smoothing=0.2)
    t = {"in.logits": z, "in.target": y, "out.loss": loss.reshape(1)}; t.update(grads(loss, {"logits": z}))
    save(f"{folder}/cross_entropy_ls0.2_variant.safetensors", t, "cross_entropy", {"label_smoothing": 0.2, "reduction": "mean"},
         "cross_entropy variant: 7 classes, smoothing 0.2")
    # kd_kl T = 2, teacher not detached
    s, te = leaf(4, 6), leaf(4, 6)
    T = 2.0
    loss = T * T * F.kl_div(F.log_softmax(s / T, 1), F.softmax(te / T, 1), reduction="batchmean")
    t = {"in.student": s, "in.teacher": te, "out.loss": loss.reshape(1)}; t.update(grads(loss, {"student": s, "teacher": te}))
    save(f"{folder}/kd_kl_T2_mutual_variant.safetensors", t, "kd_kl",
         {"temperature": 2.0, "teacher_detached": False, "reduction": "batchmean", "scale": "T^2"}, "kd_kl variant: T = 2, mutual")
    # attention with other lengths
    q, k, v = leaf(1, 3, 5, 4), leaf(1, 3, 5, 4), leaf(1, 3, 5, 4)
    y = F.scaled_dot_product_attention(q, k, v); g = torch.randn_like(y)
    t = {"in.q": q, "in.k": k, "in.v": v, "out.y": y, "grad_out.y": g}
    t.update(grads((y * g).sum(), {"q": q, "k": k, "v": v}))
    save(f"{folder}/attention_sdpa_variant.safetensors", t, "attention", {"scale": "1/sqrt(d)"}, "attention variant: 3 heads, L 5, d 4")

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/golden-variants")
