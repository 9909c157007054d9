import { memoryMiB, vcpuOf } from '../../bench/lib/function-sizing';

describe('a function sizing as tfvars write it', () => {
  it('reads memory in Mi or Gi', () => {
    expect(memoryMiB('256Mi')).toBe(256);
    expect(memoryMiB('2Gi')).toBe(2048);
    expect(() => memoryMiB('1.5Gi')).toThrow(/"1.5Gi"/);
    expect(() => memoryMiB('512M')).toThrow(/"512M"/);
  });

  it('takes cpu when set, else the documented default for the memory', () => {
    expect(vcpuOf('256Mi')).toBe(0.167);
    expect(vcpuOf('512Mi', null)).toBe(0.333);
    expect(vcpuOf('1Gi')).toBe(0.583);
    expect(vcpuOf('512Mi', '1')).toBe(1);
    expect(() => vcpuOf('768Mi')).toThrow(/set cpu/);
    expect(() => vcpuOf('512Mi', 'one')).toThrow(/"one"/);
  });
});
