"""graphrec's explainer fine-tuning: SmolLM2 weights read from the bundled GGUF, trained on the pairs that
src/explain/finetune/pairs.ts wrote (prompt text -> verified target), written back to GGUF.

  train.py export --base BASE.gguf --out OUT.gguf                 # no training: the round-trip check
  train.py train --base BASE.gguf --pairs train.jsonl --out OUT.gguf --seconds N [--lr --batch --max-steps]

Loading: transformers dequantizes the GGUF and undoes llama.cpp's q/k row permutation. Export: every key/value of
the base GGUF (architecture, tokenizer, chat template) is copied, the tensors are written in the base file's order
and names, q/k permuted back (llama.cpp's convert_hf_to_gguf `permute`), 2-D weights as Q8_0, norms as F32.
Training: full fine-tuning of the top `--train-layers` transformer blocks and the final norm (the rest frozen), loss on the target tokens only, AdamW with linear decay, stopped by a wall-clock budget. Prints one JSON
line per log step and a final {"done": ...} line.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
from gguf import GGMLQuantizationType, GGUFReader, GGUFValueType, GGUFWriter
from gguf.quants import quantize
from transformers import AutoModelForCausalLM, AutoTokenizer


def say(obj):
    print(json.dumps(obj), flush=True)


def load(base):
    folder, name = os.path.split(os.path.abspath(base))
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    return tok, model


def permute(w, n_head):
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def hf_name(gguf_name):
    if gguf_name == 'token_embd.weight':
        return 'model.embed_tokens.weight'
    if gguf_name == 'output_norm.weight':
        return 'model.norm.weight'
    if gguf_name == 'output.weight':
        return 'lm_head.weight'
    _, n, part, _ = gguf_name.split('.')
    sub = {
        'attn_q': 'self_attn.q_proj', 'attn_k': 'self_attn.k_proj', 'attn_v': 'self_attn.v_proj', 'attn_output': 'self_attn.o_proj',
        'ffn_gate': 'mlp.gate_proj', 'ffn_up': 'mlp.up_proj', 'ffn_down': 'mlp.down_proj',
        'attn_norm': 'input_layernorm', 'ffn_norm': 'post_attention_layernorm',
    }[part]
    return f'model.layers.{n}.{sub}.weight'


def export(model, base, out):
    reader = GGUFReader(base)
    arch = reader.fields['general.architecture'].contents()
    n_head = int(reader.fields[f'{arch}.attention.head_count'].contents())
    n_kv = int(reader.fields[f'{arch}.attention.head_count_kv'].contents())
    tmp = out + '.part'
    writer = GGUFWriter(tmp, arch)
    for key, field in reader.fields.items():
        if key.startswith('GGUF.') or key == 'general.architecture':
            continue
        value = field.contents()
        if key == 'general.file_type':
            value = 7  # LLAMA_FTYPE_MOSTLY_Q8_0
        if key == 'general.name':
            value = 'graphrec-explainer'
        vtype = field.types[0]
        sub = field.types[-1] if vtype == GGUFValueType.ARRAY else None
        writer.add_key_value(key, value, vtype, sub_type=sub)
    state = {k: v.detach().float().cpu().numpy() for k, v in model.state_dict().items()}
    for t in reader.tensors:
        w = state[hf_name(t.name)]
        if t.name.endswith('attn_q.weight'):
            w = permute(w, n_head)
        elif t.name.endswith('attn_k.weight'):
            w = permute(w, n_kv)
        if w.ndim == 2 and w.shape[-1] % 32 == 0:
            writer.add_tensor(t.name, quantize(w.astype(np.float32), GGMLQuantizationType.Q8_0), raw_dtype=GGMLQuantizationType.Q8_0)
        else:
            writer.add_tensor(t.name, w.astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(tmp, out)


def encode(tok, pairs, max_len):
    eos = tok.convert_tokens_to_ids('<|im_end|>')
    out = []
    for p in pairs:
        prompt = tok(p['prompt'], add_special_tokens=False)['input_ids']
        target = tok(p['target'], add_special_tokens=False)['input_ids'] + [eos]
        ids = (prompt + target)[:max_len]
        labels = ([-100] * len(prompt) + target)[:max_len]
        out.append((ids, labels))
    return out


def train(args):
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    t0 = time.time()
    tok, model = load(args.base)
    pairs = [json.loads(line) for line in open(args.pairs, encoding='utf-8') if line.strip()]
    data = encode(tok, pairs, args.max_len)
    # Only the top `train_layers` blocks and the final norm learn: the frozen lower blocks keep no activations for
    # the backward pass, which is what makes this affordable on two shared cores.
    for p in model.parameters():
        p.requires_grad_(False)
    layers = model.model.layers
    for layer in layers[len(layers) - args.train_layers:]:
        for p in layer.parameters():
            p.requires_grad_(True)
    model.model.norm.weight.requires_grad_(True)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    say({'loaded': round(time.time() - t0, 1), 'pairs': len(data), 'trainable': sum(p.numel() for p in params)})
    model.train()
    budget_end = t0 + args.seconds
    step, seen, started = 0, 0, time.time()
    planned = args.max_steps
    order = []
    losses = []
    while step < planned:
        if not order:
            order = list(range(len(data)))
            random.shuffle(order)
        batch = [data[order.pop()] for _ in range(min(args.batch, len(order)))]
        width = max(len(ids) for ids, _ in batch)
        ids = torch.full((len(batch), width), tok.pad_token_id or 2, dtype=torch.long)
        labels = torch.full((len(batch), width), -100, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for i, (x, y) in enumerate(batch):
            ids[i, : len(x)] = torch.tensor(x)
            labels[i, : len(y)] = torch.tensor(y)
            mask[i, : len(x)] = 1
        done = max(step / planned, (time.time() - started) / max(1.0, budget_end - args.export_seconds - started))
        lr = args.lr * max(0.1, 1 - done) * min(1.0, (step + 1) / 10)
        for g in opt.param_groups:
            g['lr'] = lr
        # Logits only where a target token is predicted (the prompt is ~80 % of the tokens; the vocabulary is 49k).
        hidden = model.model(input_ids=ids, attention_mask=mask).last_hidden_state[:, :-1]
        nxt = labels[:, 1:]
        at = nxt != -100
        loss = torch.nn.functional.cross_entropy(model.lm_head(hidden[at]), nxt[at])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        seen += len(batch)
        losses.append(loss.item())
        per_step = (time.time() - started) / step
        if step % args.log_every == 0 or step == 1:
            say({'step': step, 'loss': round(sum(losses[-args.log_every:]) / len(losses[-args.log_every:]), 4), 'lr': lr, 'secondsPerStep': round(per_step, 2), 'seen': seen})
        # Stop early enough that the export still fits the budget.
        if time.time() + per_step + args.export_seconds > budget_end:
            say({'stopped': 'time budget', 'step': step})
            break
    model.eval()
    export(model, args.base, args.out)
    say({'done': True, 'steps': step, 'seen': seen, 'epochs': round(seen / max(1, len(data)), 2), 'finalLoss': round(sum(losses[-20:]) / max(1, len(losses[-20:])), 4), 'seconds': round(time.time() - t0, 1)})


def main():
    ap = argparse.ArgumentParser()
    sp = ap.add_subparsers(dest='cmd', required=True)
    e = sp.add_parser('export')
    e.add_argument('--base', required=True)
    e.add_argument('--out', required=True)
    t = sp.add_parser('train')
    t.add_argument('--base', required=True)
    t.add_argument('--pairs', required=True)
    t.add_argument('--out', required=True)
    t.add_argument('--seconds', type=float, default=2400)
    t.add_argument('--export-seconds', type=float, default=120)
    t.add_argument('--max-steps', type=int, default=100000)
    t.add_argument('--batch', type=int, default=8)
    t.add_argument('--lr', type=float, default=2e-4)
    t.add_argument('--train-layers', type=int, default=10)
    t.add_argument('--max-len', type=int, default=384)
    t.add_argument('--threads', type=int, default=2)
    t.add_argument('--seed', type=int, default=17)
    t.add_argument('--log-every', type=int, default=10)
    args = ap.parse_args()
    if args.cmd == 'export':
        t0 = time.time()
        _, model = load(args.base)
        export(model, args.base, args.out)
        say({'done': True, 'seconds': round(time.time() - t0, 1)})
    else:
        train(args)


if __name__ == '__main__':
    sys.exit(main())
