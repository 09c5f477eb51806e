import { describe, expect, it } from 'vitest';
import { contrastRatio, domainColor, textOn } from '../../src/ui/domain-colors';

describe('domain colours', () => {
  it('computes WCAG 2 contrast ratios', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#ffffff')).toBeCloseTo(1, 5);
    // Order does not matter; #767676 on white is the well-known 4.54:1.
    expect(contrastRatio('#ffffff', '#767676')).toBeCloseTo(4.54, 2);
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });

  it('gives every domain colour a label colour that reaches 4.5:1', () => {
    const colours = ['Domain-0', ...Array.from({ length: 8 }, (_, i) => `guest-${i}`)].map(
      domainColor,
    );
    expect(new Set(colours).size).toBe(9);
    for (const c of colours) expect(contrastRatio(c, textOn(c)), c).toBeGreaterThanOrEqual(4.5);
    // Dark text on the light hues, white on the dark ones.
    expect(textOn('#56b4e9')).toBe('#000000');
    expect(textOn('#5146b8')).toBe('#ffffff');
  });
});
