#!/usr/bin/env python3
# Generates src/cpu/fast-loop.ts, the interpreter's hot loop, from the op table
# and the fused-pair list below: the loop's cases are pattern code (each fused
# pair is its two instructions' cases in a row), so they are written once here.
#   python3 scripts/cpu/gen-fast-loop.py | npx prettier --stdin-filepath src/cpu/fast-loop.ts > src/cpu/fast-loop.ts
# `pairs` prints the pair table for src/cpu/decode/fusion.ts.
import sys, json
# ---------------------------------------------------------------- op numbering
OPS = dict(ILLEGAL=1, LUI=2, AUIPC=3, JAL=4, JALR=5, BEQ=6, BNE=7, BLT=8, BGE=9, BLTU=10, BGEU=11, LB=12, LH=13, LW=14,
  LBU=15, LHU=16, SB=17, SH=18, SW=19, ADDI=20, SLTI=21, SLTIU=22, XORI=23, ORI=24, ANDI=25, SLLI=26, SRLI=27, SRAI=28,
  ADD=29, SUB=30, SLL=31, SLT=32, SLTU=33, XOR=34, SRL=35, SRA=36, OR=37, AND=38, FENCE=39, MUL=43, MULH=44, MULHSU=45,
  MULHU=46, DIV=47, DIVU=48, REM=49, REMU=50)
COMPRESSED = ['LUI','JAL','JALR','BEQ','BNE','LW','SW','ADDI','ANDI','SLLI','SRLI','SRAI','ADD','SUB','XOR','OR','AND']
COMPRESSED_BASE = 74
BRANCHES = ['BEQ','BNE','BLT','BGE','BLTU','BGEU']
FIRST_FUSED = 91
# Fused pairs after the two special ones (LUI_ADDI = 91, AUIPC_ADDI = 92).
PAIRS = []
for first in ['ADDI', 'ADD']:
    for b in BRANCHES: PAIRS.append((first, b))
for first in ['XOR', 'ANDI', 'LW', 'LBU', 'SLLI', 'SRLI']:
    for b in ['BEQ', 'BNE']: PAIRS.append((first, b))
for first in ['LW', 'LBU']:
    for b in ['BLT', 'BGE', 'BLTU', 'BGEU']: PAIRS.append((first, b))
PAIRS += [
  ('ADDI','ADDI'), ('ADDI','ADD'), ('ADDI','SLLI'), ('ADDI','XOR'), ('ADDI','LW'), ('ADDI','SW'), ('ADDI','SB'), ('ADDI','MUL'),
  ('ADD','ADDI'), ('ADD','ADD'), ('ADD','LW'), ('ADD','LBU'), ('ADD','SW'), ('ADD','SRLI'),
  ('SLLI','ADD'), ('SLLI','ADDI'), ('SRLI','ADDI'), ('SRLI','ANDI'), ('ANDI','ADD'), ('ANDI','ADDI'), ('XOR','ANDI'),
  ('MUL','ADD'),
  ('LW','ADD'), ('LW','ADDI'), ('LW','LW'), ('LW','SW'), ('LW','XOR'), ('LW','SLLI'),
  ('LBU','ADDI'), ('LBU','ANDI'), ('LBU','SRLI'),
  ('SW','SW'), ('SW','ADDI'), ('SW','LW'), ('SB','ADD'), ('SB','ADDI'),
  ('ADDI','JAL'), ('ADD','JAL'), ('ADDI','JALR'), ('ADD','JALR'), ('LW','JALR'),
  ('LUI','LW'), ('LUI','SW'), ('AUIPC','LW'), ('AUIPC','SW'),
  ('SW','BEQ'), ('SW','BNE'), ('SW','BLT'), ('SW','BGE'), ('SW','BLTU'), ('SW','BGEU'),
  ('SB','BEQ'), ('SB','BNE'), ('ADDI','LBU'), ('ADD','SB'), ('LBU','ADD'),
]
if len(sys.argv) > 1 and sys.argv[1] == 'pairs':
    for i,(a,b) in enumerate(PAIRS):
        print(f"  [Op.{a}, Op.{b}], // {FIRST_FUSED + 2 + i}")
    sys.exit()

# ---------------------------------------------------------------- snippets
def f(role):
    W = 'w' if role == 'A' else 'w2'
    IMM = 'imm' if role == 'A' else 'i2'
    return dict(W=W, IMM=IMM, RD=f'code[({W} >> 8) & 63]', R1=f'code[({W} >> 16) & 31]!', R2=f'code[{W} >>> 24]!',
                PC='base + ((s - cb) >> 1)' if role == 'A' else 'base + ((s - cb + ((w >> 12) & 12)) >> 1)',
                FAIL='break loop;' if role == 'A' else '{\n  left = (left - 1) | 0;\n  s = (s + ((w >> 12) & 12)) | 0;\n  break loop;\n}',
                X='' if role == 'A' else '2')
ALU = dict(LUI='{IMM}', AUIPC='({PC} + {IMM}) | 0', ADDI='({R1} + {IMM}) | 0', SLTI='{R1} < {IMM} ? 1 : 0',
  SLTIU='{R1} >>> 0 < {IMM} >>> 0 ? 1 : 0', XORI='{R1} ^ {IMM}', ORI='{R1} | {IMM}', ANDI='{R1} & {IMM}',
  SLLI='{R1} << {IMM}', SRLI='{R1} >>> {IMM}', SRAI='{R1} >> {IMM}', ADD='({R1} + {R2}) | 0', SUB='({R1} - {R2}) | 0',
  SLL='{R1} << ({R2} & 31)', SLT='{R1} < {R2} ? 1 : 0', SLTU='{R1} >>> 0 < {R2} >>> 0 ? 1 : 0', XOR='{R1} ^ {R2}',
  SRL='{R1} >>> ({R2} & 31)', SRA='{R1} >> ({R2} & 31)', OR='{R1} | {R2}', AND='{R1} & {R2}',
  MUL='Math.imul({R1}, {R2})', MULH='mulh({R1}, {R2})', MULHSU='mulhsu({R1}, {R2})', MULHU='mulhu({R1}, {R2})')
ALU_COMMENT = dict(SLTIU='SLTIU: the sign-extended immediate compared as unsigned', SLL='SLL: shift amounts are rs2[4:0]')
LOADS = dict(LB=('0', '(ram[(code[e{X} | 3]! + (va{X} & 0xfff)) | 0]! << 24) >> 24'),
             LH=('1', 'ram16[(code[e{X} | 3]! + (va{X} & 0xfff)) >> 1]!'),
             LW=('3', 'ram32[(code[e{X} | 3]! + (va{X} & 0xfff)) >> 2]!'),
             LBU=('0', 'ram[(code[e{X} | 3]! + (va{X} & 0xfff)) | 0]!'),
             LHU=('1', 'ramU16[(code[e{X} | 3]! + (va{X} & 0xfff)) >> 1]!'))
STORES = dict(SB=('0', '', 'ram[o{X}]'), SH=('1', '', 'ram16[o{X} >> 1]'), SW=('3', ' + 2', 'ram32[o{X} >> 2]'))

def snippet(op, role):
    d = f(role)
    if op in ALU:
        return ('{RD} = ' + ALU[op] + ';').format(**d)
    if op in LOADS:
        align, val = LOADS[op]
        cond = 'code[e{X}] !== va{X} >>> 12' + (' || (va{X} & ' + align + ') !== 0' if align != '0' else '')
        return ('const va{X} = ({R1} + {IMM}) | 0;\nconst e{X} = (dt + ((va{X} >>> 10) & 0x3fc)) | 0;\nif (' + cond + ') {FAIL}\n{RD} = ' + val + ';').format(**d)
    if op in STORES:
        align, last, target = STORES[op]
        cond = 'code[e{X} | 1] !== va{X} >>> 12' + (' || (va{X} & ' + align + ') !== 0' if align != '0' else '')
        return ('const va{X} = ({R1} + {IMM}) | 0;\nconst e{X} = (dt + ((va{X} >>> 10) & 0x3fc)) | 0;\nif (' + cond + ') {FAIL}\n'
                'const o{X} = (code[e{X} | 3]! + (va{X} & 0xfff)) | 0;\nconst pb{X} = code[4160 + (o{X} >>> 12)]!;\n'
                'if (pb{X} !== 0) {{\n  // Code was decoded from this page: forget the slots the store overlaps.\n'
                '  for (let b = ((o{X} & 0xfff) - 6) & ~1; b <= (o{X} & 0xfff)' + last + '; b += 2) {{\n'
                '    if (b >= 0) code[pb{X} + (b << 1)] = 0;\n  }}\n}}\n' + target + ' = {R2};').format(**d)
    raise KeyError(op)

BCOND = dict(BEQ='{R1} === {R2}', BNE='{R1} !== {R2}', BLT='{R1} < {R2}', BGE='{R1} >= {R2}',
             BLTU='{R1} >>> 0 < {R2} >>> 0', BGEU='{R1} >>> 0 >= {R2} >>> 0')
LEAVE = 'if ((s - cb) >>> 0 >= 8192) {\n  code[48] = (base + ((s - cb) >> 1)) | 0;\n  s = cb + 8192;\n}'

# Leaving the page to `target` by a jump: enter the new page right here when the TLB and
# the cache know it (saves the REFETCH dispatch), else through REFETCH.
JUMP_TO = '''const e = (it + ((target >>> 10) & 0x3fc)) | 0;
const next = code[e | 2] === target >>> 12 ? code[4160 + (code[e | 3]! >>> 12)]! : 0;
if (next !== 0) {
  code[49] = next;
  code[50] = target & ~0xfff;
  s = next + ((target & 0xffe) << 1);
} else {
  code[48] = target;
  s = cb + 8192;
}'''

def ind(t, n): return '\n'.join((' ' * n + l) if l else l for l in t.split('\n'))

# ---------------------------------------------------------------- single-op cases
def single(op, step):
    d = f('A')
    if op in ALU:
        return snippet(op, 'A') + f'\ns = (s + {step}) | 0;'
    if op in LOADS or op in STORES:
        return snippet(op, 'A') + f'\ns = (s + {step}) | 0;'
    if op in BCOND:
        return ('if (' + BCOND[op] + ') {{\n  s = (s + imm) | 0;\n' + ind(LEAVE, 2).replace('{', '{{').replace('}', '}}') + '\n}} else s = (s + ' + str(step) + ') | 0;').format(**d)
    if op == 'JAL':
        return ('{RD} = (base + ((s - cb + ' + str(step) + ') >> 1)) | 0;\ns = (s + imm) | 0;\n').format(**d) + \
          'if ((s - cb) >>> 0 >= 8192) {\n  const target: number = (base + ((s - cb) >> 1)) | 0;\n' + ind(JUMP_TO, 2) + '\n}'
    if op == 'JALR':
        return ('const target: number = ({R1} + imm) & -2;\n{RD} = (base + ((s - cb + ' + str(step) + ') >> 1)) | 0;\n').format(**d) + \
          'const d = (target - base) | 0;\nif (d >>> 0 < 4096) {\n  s = cb + (d << 1);\n} else {\n' + ind(JUMP_TO, 2) + '\n}'
    if op == 'FENCE':
        return f's = (s + {step}) | 0;'
    if op == 'DIV':
        return ('const a = {R1};\nconst b = {R2};\n{RD} = b === 0 ? -1 : b === -1 ? -a | 0 : (a / b) | 0;').format(**d) + f'\ns = (s + {step}) | 0;'
    if op == 'DIVU':
        return ('const b = {R2} >>> 0;\n{RD} = b === 0 ? -1 : (({R1} >>> 0) / b) | 0;').format(**d) + f'\ns = (s + {step}) | 0;'
    if op == 'REM':
        return ('const a = {R1};\nconst b = {R2};\n{RD} = b === 0 ? a : b === -1 ? 0 : (a % b) | 0;').format(**d) + f'\ns = (s + {step}) | 0;'
    if op == 'REMU':
        return ('const a = {R1};\nconst b = {R2} >>> 0;\n{RD} = b === 0 ? a : ((a >>> 0) % b) | 0;').format(**d) + f'\ns = (s + {step}) | 0;'
    raise KeyError(op)

COMMENTS = dict(JALR='JALR: target bit 0 cleared; with C there is no misaligned target (§2.5)',
  FENCE='FENCE: one hart, sequentially consistent memory: nothing to order',
  DIV='DIV: x/0 = -1, INT_MIN/-1 = INT_MIN (§7.2, Table 7.1)', DIVU='DIVU: x/0 = 2^32 - 1',
  REM='REM: x%0 = x, INT_MIN%-1 = 0', REMU='REMU: x%0 = x', **ALU_COMMENT)

out = []
import re as _re
def emit(label, comment, body):
    body = _re.sub(r'\bbase\b', 'code[50]!', body)
    body = _re.sub(r'\bcb\b', 'code[49]!', body)
    if _re.search(r'\bimm\b', body):
        body = 'const imm = code[s | 1]!;\n' + body
    if 'const ' in body or 'let ' in body:
        out.append(f'      case {label}: {{\n        // {comment}\n{ind(body, 8)}\n        break;\n      }}')
    else:
        out.append(f'      case {label}: // {comment}\n{ind(body, 8)}\n        break;')

SINGLE = ['LUI','AUIPC','JAL','JALR'] + BRANCHES + ['LB','LH','LW','LBU','LHU','SB','SH','SW','ADDI','SLTI','SLTIU','XORI','ORI',
  'ANDI','SLLI','SRLI','SRAI','ADD','SUB','SLL','SLT','SLTU','XOR','SRL','SRA','OR','AND','FENCE','MUL','MULH','MULHSU','MULHU',
  'DIV','DIVU','REM','REMU']
for op in SINGLE:
    emit(OPS[op], COMMENTS.get(op, op), single(op, 8))

REFETCH = """// REFETCH: leave the page — to the target a transfer left in word 48, else (odd 1
// there) to the next page. A TLB miss, or a page without slots yet, is left to the
// slow path.
const far = code[48]!;
const target: number = far !== 1 ? far : (code[50]! + 4096) | 0;
const e = (it + ((target >>> 10) & 0x3fc)) | 0;
if (code[e | 2] !== target >>> 12) {
  code[48] = target;
  break loop;
}
const next = code[4160 + (code[e | 3]! >>> 12)]!;
if (next === 0) {
  code[48] = target;
  break loop;
}
code[48] = 1;
code[49] = next;
code[50] = target & ~0xfff;
s = next + ((target & 0xffe) << 1);
continue;"""
out.append('      case 72: {\n' + ind(REFETCH, 8) + '\n      }')
out.append('      // Compressed forms (decode/slot.ts): as above, with a 2-byte step.')
for i, op in enumerate(COMPRESSED):
    emit(COMPRESSED_BASE + i, 'C.' + COMMENTS.get(op, op).split(':')[0], single(op, 4))

out.append('      // Fused pairs (decode/fusion.ts) retire two instructions; with only one left\n'
           '      // in the budget, the slow path runs the first alone.')
FSTEP = '((w >> 19) & 28)'
emit(FIRST_FUSED, 'LUI + ADDI (one constant)', f'if (left < 2) break loop;\ncode[(w >> 8) & 63] = imm;\ns = (s + {FSTEP}) | 0;\nleft = (left - 1) | 0;')
emit(FIRST_FUSED + 1, 'AUIPC + ADDI (one address)', f'if (left < 2) break loop;\ncode[(w >> 8) & 63] = (base + ((s - cb) >> 1) + imm) | 0;\ns = (s + {FSTEP}) | 0;\nleft = (left - 1) | 0;')
for i, (a, b) in enumerate(PAIRS):
    fid = FIRST_FUSED + 2 + i
    body = 'if (left < 2) break loop;\n'
    if b == 'JAL':
        body += snippet(a, 'A') + '\nleft = (left - 1) | 0;\n'
        body += 'code[(code[s | 2]! >> 8) & 63] = (base + ((s - cb + ' + FSTEP + ') >> 1)) | 0;\n'
        body += 's = (s + code[s | 3]!) | 0;\n'
        body += 'if ((s - cb) >>> 0 >= 8192) {\n  const target: number = (base + ((s - cb) >> 1)) | 0;\n' + ind(JUMP_TO, 2) + '\n}'
    elif b == 'JALR':
        body += 'const w2 = code[s | 2]!;\nconst i2 = code[s | 3]!;\n' + snippet(a, 'A') + '\nleft = (left - 1) | 0;\n'
        body += 'const target: number = (code[(w2 >> 16) & 31]! + i2) & -2;\n'
        body += 'code[(w2 >> 8) & 63] = (base + ((s - cb + ' + FSTEP + ') >> 1)) | 0;\n'
        body += 'const d = (target - base) | 0;\nif (d >>> 0 < 4096) {\n  s = cb + (d << 1);\n} else {\n' + ind(JUMP_TO, 2) + '\n}'
    elif b in BCOND:
        body += snippet(a, 'A') + '\nconst w2 = code[s | 2]!;\nleft = (left - 1) | 0;\n'
        body += ('if (' + BCOND[b] + ') {{\n').format(**f('B'))
        body += '  s = (s + code[s | 3]!) | 0;\n' + ind(LEAVE, 2) + f'\n}} else s = (s + {FSTEP}) | 0;'
    else:
        sb = snippet(b, 'B')
        body += 'const w2 = code[s | 2]!;\n' + ('const i2 = code[s | 3]!;\n' if 'i2' in sb else '')
        body += snippet(a, 'A') + '\n' + sb + f'\ns = (s + {FSTEP}) | 0;\nleft = (left - 1) | 0;'
    emit(fid, f'{a} + {b}', body)

import os
print(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fast-loop.template')).read().replace('%%CASES%%', '\n'.join(out)))
