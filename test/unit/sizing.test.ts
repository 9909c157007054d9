import { deployedNodeOptions, memoryLimitMiB, vcpuShare } from '../../shared/deploy/sizing';

describe("a function's sizing", () => {
  it.each([
    ['128Mi', 0.083],
    ['256Mi', 0.167],
    ['512Mi', 0.333],
    ['1Gi', 0.583],
    ['2Gi', 1],
    ['4Gi', 2],
    ['8Gi', 2],
    ['16Gi', 4],
    ['32Gi', 8],
  ])('gets the CPU Cloud Run gives %s by default: %d vCPU', (memory, vcpu) => {
    expect(vcpuShare({ memory })).toBe(vcpu);
  });

  it('gets the larger row of the table for a memory between two rows', () => {
    expect(vcpuShare({ memory: '768Mi' })).toBe(0.583);
    expect(vcpuShare({ memory: '257Mi' })).toBe(0.333);
  });

  it('gets 256Mi, and so 0.167 vCPU, when the tfvars say nothing', () => {
    expect(vcpuShare({})).toBe(0.167);
    expect(memoryLimitMiB({})).toBe(256);
  });

  it('gets the CPU it sets, in vCPUs or millicores, whatever its memory', () => {
    expect(vcpuShare({ memory: '256Mi', cpu: '1' })).toBe(1);
    expect(vcpuShare({ memory: '512Mi', cpu: '2' })).toBe(2);
    expect(vcpuShare({ memory: '512Mi', cpu: '0.5' })).toBe(0.5);
    expect(vcpuShare({ memory: '512Mi', cpu: '500m' })).toBe(0.5);
    expect(vcpuShare({ memory: '512Mi', cpu: null })).toBe(0.333);
  });

  it('is refused, naming the field, when it is not a form Terraform accepts', () => {
    expect(() => vcpuShare({ memory: '256MB' })).toThrow(/sizing.memory .* not 256MB/);
    expect(() => vcpuShare({ cpu: 'two' })).toThrow(/sizing.cpu .* not two/);
    expect(() => vcpuShare({ memory: '64Gi' })).toThrow(/no default CPU for 64Gi/);
  });

  it('is deployed with source maps and an old space of 3/8 of its memory', () => {
    expect(deployedNodeOptions({})).toBe('--max-old-space-size=96');
    expect(deployedNodeOptions({ memory: '512Mi' })).toBe('--max-old-space-size=192');
    expect(deployedNodeOptions({ memory: '1Gi' })).toBe('--max-old-space-size=384');
    expect(deployedNodeOptions({ memory: '100Mi' })).toBe('--max-old-space-size=37');
  });
});
