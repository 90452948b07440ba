#!/usr/bin/env python3
"""Shape / parameter / MAC calculator for the OKD backbones (no torch needed).

Written from the published architecture descriptions; it only does arithmetic.
Conventions:
  * params: every trainable tensor (conv/linear weights+biases, BN/LN affine,
    layer-scale gamma). BN running stats are buffers and are NOT counted.
  * MACs: multiply-accumulates of conv, linear and attention matmuls
    (q@k^T and attn@v). Norms, activations, pooling, adds are not counted
    (this matches what fvcore/thop-style tables report as "FLOPs" closely).
Run:  python3 scripts/backbone_counts.py            (prints all tables)
"""
import math, sys

class Net:
    def __init__(self, name, c, h, w):
        self.name = name; self.c, self.h, self.w = c, h, w
        self.params = 0; self.macs = 0; self.log = []
        self.mark = {}
    # ---- primitive bookkeeping -------------------------------------------
    def conv(self, cout, k, s=1, p=0, groups=1, bias=False, tag="conv", c_in=None, h=None, w=None, apply=True):
        cin = self.c if c_in is None else c_in
        hin = self.h if h is None else h; win = self.w if w is None else w
        ho = (hin + 2 * p - k) // s + 1; wo = (win + 2 * p - k) // s + 1
        assert ho > 0 and wo > 0, f"{self.name}: spatial size collapsed at {tag} ({hin}x{win} k{k} s{s} p{p})"
        par = cout * (cin // groups) * k * k + (cout if bias else 0)
        mac = cout * ho * wo * (cin // groups) * k * k
        self.params += par; self.macs += mac
        self.log.append((tag, (cin, hin, win), (cout, ho, wo), par, mac))
        if apply:
            self.c, self.h, self.w = cout, ho, wo
        return par, mac
    def bn(self, c=None, tag="bn"):
        c = self.c if c is None else c
        self.params += 2 * c
        return 2 * c
    def ln(self, c=None, tag="ln"):
        c = self.c if c is None else c
        self.params += 2 * c
        return 2 * c
    def linear(self, fin, fout, tokens=1, bias=True, tag="linear"):
        par = fin * fout + (fout if bias else 0)
        mac = tokens * fin * fout
        self.params += par; self.macs += mac
        self.log.append((tag, (fin, tokens), (fout, tokens), par, mac))
        return par, mac
    def extra(self, params=0, macs=0, tag="extra"):
        self.params += params; self.macs += macs
        self.log.append((tag, None, None, params, macs))
    def snap(self, key):
        self.mark[key] = (self.params, self.macs, (self.c, self.h, self.w))

# ---------------------------------------------------------------------------
# CIFAR ResNets
# ---------------------------------------------------------------------------
def cifar_resnet(name, blocks, block="basic", shortcut="A", width=(16, 32, 64), in_ch=3, hw=32,
                 num_classes=100, base_width=64, stem_ch=16):
    """blocks=(n1,n2,n3). block: basic | bottleneck (expansion 4, torchvision style:
    stride on the 3x3). shortcut A = parameter-free subsample+zero-pad,
    B = 1x1 conv (stride) + BN whenever shape changes."""
    n = Net(name, in_ch, hw, hw)
    n.conv(stem_ch, 3, 1, 1, tag="stem conv3x3"); n.bn()
    n.snap("stem")
    inpl = stem_ch
    exp = 4 if block == "bottleneck" else 1
    for si, (nb, planes) in enumerate(zip(blocks, width)):
        for bi in range(nb):
            s = 2 if (bi == 0 and si > 0) else 1
            cin, hin, win = n.c, n.h, n.w
            out = planes * exp
            if block == "basic":
                n.conv(planes, 3, s, 1, tag=f"s{si+1}b{bi} conv1"); n.bn()
                n.conv(planes, 3, 1, 1, tag=f"s{si+1}b{bi} conv2"); n.bn()
            else:
                wd = int(planes * (base_width / 64.0))
                n.conv(wd, 1, 1, 0, tag=f"s{si+1}b{bi} conv1x1a"); n.bn()
                n.conv(wd, 3, s, 1, tag=f"s{si+1}b{bi} conv3x3"); n.bn()
                n.conv(out, 1, 1, 0, tag=f"s{si+1}b{bi} conv1x1b"); n.bn()
            if s != 1 or cin != out:
                if shortcut == "B":
                    n.conv(out, 1, s, 0, tag=f"s{si+1}b{bi} shortcut1x1", c_in=cin, h=hin, w=win, apply=False)
                    n.bn(out)
        n.snap(f"stage{si+1}")
    n.linear(n.c, num_classes, tag="fc")
    n.snap("head")
    return n

def resnet18_cifar(name="ResNet-18 (CIFAR, kuangliu)", in_ch=3, hw=32, num_classes=100):
    n = Net(name, in_ch, hw, hw)
    n.conv(64, 3, 1, 1, tag="stem conv3x3"); n.bn(); n.snap("stem")
    for si, planes in enumerate((64, 128, 256, 512)):
        for bi in range(2):
            s = 2 if (bi == 0 and si > 0) else 1
            cin, hin, win = n.c, n.h, n.w
            n.conv(planes, 3, s, 1); n.bn(); n.conv(planes, 3, 1, 1); n.bn()
            if s != 1 or cin != planes:
                n.conv(planes, 1, s, 0, c_in=cin, h=hin, w=win, apply=False); n.bn(planes)
        n.snap(f"stage{si+1}")
    n.linear(512, num_classes, tag="fc"); n.snap("head")
    return n

def wrn(depth, k, name=None, in_ch=3, hw=32, num_classes=100):
    """Zagoruyko & Komodakis pre-activation WRN-d-k (as in RepDistiller/CRD wrn.py)."""
    nb = (depth - 4) // 6
    ch = [16, 16 * k, 32 * k, 64 * k]
    n = Net(name or f"WRN-{depth}-{k}", in_ch, hw, hw)
    n.conv(16, 3, 1, 1, tag="stem conv3x3"); n.snap("stem")
    for si in range(3):
        for bi in range(nb):
            s = 2 if (bi == 0 and si > 0) else 1
            cin, hin, win = n.c, n.h, n.w
            n.bn(cin)                                   # pre-activation BN
            n.conv(ch[si + 1], 3, s, 1); n.bn(); n.conv(ch[si + 1], 3, 1, 1)
            if cin != ch[si + 1]:
                n.conv(ch[si + 1], 1, s, 0, c_in=cin, h=hin, w=win, apply=False)
        n.snap(f"stage{si+1}")
    n.bn(); n.linear(n.c, num_classes, tag="fc"); n.snap("head")
    return n

# ---------------------------------------------------------------------------
# ConvNeXt (V1 block; V2 variant adds GRN and drops layer scale)
# ---------------------------------------------------------------------------
CONVNEXT = {
    "atto":  ((2, 2, 6, 2), (40, 80, 160, 320)),
    "femto": ((2, 2, 6, 2), (48, 96, 192, 384)),
    "pico":  ((2, 2, 6, 2), (64, 128, 256, 512)),
    "nano":  ((2, 2, 8, 2), (80, 160, 320, 640)),
    "tiny":  ((3, 3, 9, 3), (96, 192, 384, 768)),
    "small": ((3, 3, 27, 3), (96, 192, 384, 768)),
}

def convnext(variant, in_ch=3, hw=32, num_classes=100, stem_k=4, stem_s=4, stem_p=0,
             v2=False, depths=None, dims=None, name=None):
    d, c = CONVNEXT[variant] if variant in CONVNEXT else (depths, dims)
    n = Net(name or f"ConvNeXt{'V2' if v2 else ''}-{variant} stem k{stem_k}s{stem_s}", in_ch, hw, hw)
    n.conv(c[0], stem_k, stem_s, stem_p, bias=True, tag="stem patchify"); n.ln(); n.snap("stem")
    for si in range(len(d)):
        if si > 0:
            n.ln(); n.conv(c[si], 2, 2, 0, bias=True, tag=f"downsample{si}")
        for bi in range(d[si]):
            C = n.c; T = n.h * n.w
            n.conv(C, 7, 1, 3, groups=C, bias=True, tag=f"s{si+1}b{bi} dw7x7")
            n.ln()
            n.linear(C, 4 * C, tokens=T, tag="pw1")
            if v2:
                n.extra(params=2 * 4 * C, tag="GRN")
            n.linear(4 * C, C, tokens=T, tag="pw2")
            if not v2:
                n.extra(params=C, tag="layer scale")
        n.snap(f"stage{si+1}")
    n.ln(); n.linear(n.c, num_classes, tag="head"); n.snap("head")
    return n

# ---------------------------------------------------------------------------
# CSWin Transformer
# ---------------------------------------------------------------------------
CSWIN = {  # embed_dim, depths, split sizes, heads
    "T": (64, (1, 2, 21, 1), (1, 2, 7, 7), (2, 4, 8, 16)),
    "S": (64, (2, 4, 32, 2), (1, 2, 7, 7), (2, 4, 8, 16)),
    "B": (96, (2, 4, 32, 2), (1, 2, 7, 7), (4, 8, 16, 32)),
}

def cswin(variant, in_ch=3, hw=32, num_classes=100, stem=(7, 4, 2), splits=None, depths=None,
          embed=None, heads=None, name=None, mlp_ratio=4):
    e, d, sp, hd = CSWIN[variant] if variant in CSWIN else (embed, depths, splits, heads)
    if splits is not None: sp = splits
    if depths is not None: d = depths
    if embed is not None: e = embed
    if heads is not None: hd = heads
    k, s, p = stem
    n = Net(name or f"CSWin-{variant} stem k{k}s{s}p{p} splits{tuple(sp)}", in_ch, hw, hw)
    n.conv(e, k, s, p, bias=True, tag="stem conv"); n.ln(); n.snap("stem")
    for si in range(len(d)):
        if si > 0:
            n.conv(n.c * 2, 3, 2, 1, bias=True, tag=f"merge{si}"); n.ln()
        C, H, W = n.c, n.h, n.w
        assert H == W
        last = (si == len(d) - 1) or (H == sp[si])
        for bi in range(d[si]):
            T = H * W
            n.ln()
            n.linear(C, 3 * C, tokens=T, tag="qkv")          # qkv_bias=True
            if last:
                # one branch, full attention over H*W tokens, all heads, LePE on C channels
                n.extra(params=C * 9 + C, macs=C * 9 * T, tag="lepe dw3x3")
                n.extra(macs=2 * T * T * C, tag="attn matmuls (full)")
            else:
                sw = sp[si]
                assert H % sw == 0, f"split {sw} does not divide {H}"
                win = H * sw                               # tokens per stripe
                for _ in range(2):
                    n.extra(params=(C // 2) * 9 + C // 2, macs=(C // 2) * 9 * T, tag="lepe dw3x3")
                    n.extra(macs=2 * T * win * (C // 2), tag="attn matmuls (stripe)")
            n.linear(C, C, tokens=T, tag="proj")
            n.ln()
            n.linear(C, mlp_ratio * C, tokens=T, tag="fc1")
            n.linear(mlp_ratio * C, C, tokens=T, tag="fc2")
        n.snap(f"stage{si+1}")
    n.ln(); n.linear(n.c, num_classes, tag="head"); n.snap("head")
    return n

# ---------------------------------------------------------------------------
def fmt(n):
    return f"{n/1e6:8.3f}M"

def report(net, branch_after=None):
    s = net.mark
    line = f"{net.name:58s} params {fmt(net.params)}  MACs {net.macs/1e6:9.2f}M"
    shapes = " | ".join(f"{k}:{v[2][0]}x{v[2][1]}x{v[2][2]}" for k, v in s.items() if k != "head")
    out = [line, "    shapes " + shapes]
    if branch_after:
        p0, m0, _ = s[branch_after]
        out.append(f"    branch after {branch_after}: shared {fmt(p0)} / {m0/1e6:.2f}M MACs; "
                   f"per-branch {fmt(net.params-p0)} / {(net.macs-m0)/1e6:.2f}M MACs")
    return "\n".join(out)

if __name__ == "__main__":
    print("=== sanity vs published (ImageNet 224, 1000 classes / CIFAR-10) ===")
    for v in ["atto", "femto", "pico", "nano", "tiny"]:
        print(report(convnext(v, hw=224, num_classes=1000)))
    print(report(convnext("nano", hw=224, num_classes=1000, v2=True)))
    for v in ["T", "S", "B"]:
        print(report(cswin(v, hw=224, num_classes=1000)))
    for nb, nm in [((3,3,3),"ResNet-20"),((5,5,5),"ResNet-32"),((7,7,7),"ResNet-44"),((9,9,9),"ResNet-56"),((18,18,18),"ResNet-110")]:
        print(report(cifar_resnet(nm+" optA C10", nb, num_classes=10)))
    print()
    for nc in (10, 100):
        for in_ch, hw in ((3, 32), (1, 28), (1, 32)):
            print(f"=== num_classes={nc}  input {in_ch}x{hw}x{hw} ===")
            for nb, nm in [((3,3,3),"ResNet-20"),((5,5,5),"ResNet-32"),((9,9,9),"ResNet-56"),((18,18,18),"ResNet-110")]:
                for sc in ("A", "B"):
                    print(report(cifar_resnet(f"{nm} basic opt{sc}", nb, shortcut=sc, in_ch=in_ch, hw=hw, num_classes=nc), "stage2"))
            print(report(cifar_resnet("ResNet-110 bottleneck[12,12,12] optB (OKDDip/AHBF)", (12,12,12), block="bottleneck", shortcut="B", in_ch=in_ch, hw=hw, num_classes=nc), "stage2"))
            print(report(cifar_resnet("ResNet-110 as in ONE code: bottleneck[18,18,18] optB", (18,18,18), block="bottleneck", shortcut="B", in_ch=in_ch, hw=hw, num_classes=nc), "stage2"))
            print(report(cifar_resnet("WRN-20-8 (OKDDip: bottleneck[2,2,2], width x8)", (2,2,2), block="bottleneck", shortcut="B", base_width=512, in_ch=in_ch, hw=hw, num_classes=nc), "stage2"))
            print(report(wrn(16, 2, in_ch=in_ch, hw=hw, num_classes=nc), "stage2"))
            print(report(resnet18_cifar(in_ch=in_ch, hw=hw, num_classes=nc), "stage3"))
            for v in ["atto", "femto", "pico", "nano", "tiny"]:
                for (k, s) in ((4, 4), (2, 2), (1, 1)):
                    try:
                        print(report(convnext(v, in_ch=in_ch, hw=hw, num_classes=nc, stem_k=k, stem_s=s), "stage3"))
                    except AssertionError as ex:
                        print(f"ConvNeXt-{v} stem k{k}s{s}: FAILS ({ex})")
            for v in ["T", "S"]:
                for stem, sp in (((7, 4, 2), (1, 2, 1, 1)), ((7, 2, 3), (1, 2, 2, 2)), ((3, 1, 1), (1, 2, 4, 4))):
                    try:
                        print(report(cswin(v, in_ch=in_ch, hw=hw, num_classes=nc, stem=stem, splits=sp), "stage3"))
                    except AssertionError as ex:
                        print(f"CSWin-{v} stem{stem} splits{sp}: FAILS ({ex})")
            print()

def stage_rows(net):
    """(segment, output shape, params, MACs) per segment between snapshots."""
    rows, pp, pm = [], 0, 0
    for k, (p, m, shp) in net.mark.items():
        rows.append((k, shp, p - pp, m - pm)); pp, pm = p, m
    return rows

def md_stage_table(net):
    out = [f"| segment | output (C x H x W) | params | MACs |", "|---|---|---:|---:|"]
    for k, shp, p, m in stage_rows(net):
        shp_s = f"{shp[0]} x {shp[1]} x {shp[2]}" if k != "head" else "logits"
        out.append(f"| {k} | {shp_s} | {p:,} | {m/1e6:.2f}M |")
    out.append(f"| **total** | | **{net.params:,}** | **{net.macs/1e6:.2f}M** |")
    return "\n".join(out)
