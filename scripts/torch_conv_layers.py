"""PyTorch side of `canopy bench conv`: conv2d forward+backward per ResNet-32 layer
shape (batch 128, CPU), same thread count. Prints a Markdown table. Optional: Canopy
never needs Python; this only gives the comparison column."""
import argparse, time
import torch

LAYERS = [  # name, cin, cout, size, kernel, stride, is_stem
    ("stem", 3, 16, 32, 3, 1, True), ("stage1 conv", 16, 16, 32, 3, 1, False),
    ("stage2 conv1", 16, 32, 32, 3, 2, False), ("stage2 shortcut", 16, 32, 32, 1, 2, False),
    ("stage2 conv", 32, 32, 16, 3, 1, False), ("stage3 conv1", 32, 64, 16, 3, 2, False),
    ("stage3 shortcut", 32, 64, 16, 1, 2, False), ("stage3 conv", 64, 64, 8, 3, 1, False),
]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=128); ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    print(f"PyTorch {torch.__version__} conv2d forward+backward, batch {a.batch}, {a.threads} threads")
    print("| layer | GFLOP | ms fwd+bwd | GFLOP/s |"); print("|---|---|---|---|")
    for name, cin, cout, size, k, s, stem in LAYERS:
        conv = torch.nn.Conv2d(cin, cout, k, s, k // 2, bias=False)
        x = torch.randn(a.batch, cin, size, size, requires_grad=not stem)
        out = conv(x); g = torch.randn_like(out)
        macs = a.batch * cout * out.shape[2] * out.shape[3] * cin * k * k
        gflop = 2 * macs * (2 if stem else 3) / 1e9
        def step():
            conv.weight.grad = None
            conv(x).backward(g)
        step(); times = []
        for _ in range(a.repeats):
            t = time.perf_counter(); step(); times.append((time.perf_counter() - t) * 1e3)
        ms = sorted(times)[len(times) // 2]
        print(f"| {name} | {gflop:.2f} | {ms:.1f} | {gflop / ms * 1e3:.1f} |")

if __name__ == "__main__":
    main()
