import { firstSegment } from '../../shared/local/gateway';

describe('local gateway routing', () => {
  it.each([
    ['/people', 'people'],
    ['/people/3f2504e0-4f89-41d3-9a0c-0305e82c3301', 'people'],
    ['/people?limit=1', 'people'],
    ['/project-stats/projects/p/topics/t', 'project-stats'],
    ['/', ''],
    ['', ''],
    ['/%70eople', 'people'],
    ['/%E0%A4%A', '%E0%A4%A'],
  ])('routes %s to %p', (url, name) => {
    expect(firstSegment(url)).toBe(name);
  });
});
