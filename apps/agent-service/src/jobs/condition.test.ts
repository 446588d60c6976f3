import { describe, expect, it } from 'vitest';
import { ConditionError, evaluateCondition, parseCondition } from './condition.ts';

const context = {
  PolicyType: 'PrivilegeElevation',
  Controls: ['APPROVAL', 'MFA'],
  RetentionDays: '30',
  Offline: false,
  request: { executable: '/usr/bin/nm-connection-editor' },
};

describe('job conditions', () => {
  it('holds for an empty condition', () => {
    expect(evaluateCondition('', {})).toBe(true);
    expect(evaluateCondition('   ', {})).toBe(true);
  });

  it('compares names, literals, lists and nested values', () => {
    expect(evaluateCondition('PolicyType == "PrivilegeElevation"', context)).toBe(true);
    expect(evaluateCondition("PolicyType != 'PrivilegeElevation'", context)).toBe(false);
    expect(evaluateCondition('Controls contains "MFA" && !(Controls contains "JUSTIFY")', context)).toBe(true);
    expect(evaluateCondition('"APPROVAL" in Controls and not Offline', context)).toBe(true);
    expect(evaluateCondition('PolicyType in ["FileAccess", "AgenticAccess"] or RetentionDays > 29', context)).toBe(true);
    expect(evaluateCondition('RetentionDays >= 31', context)).toBe(false);
    expect(evaluateCondition('request.executable matches "*/nm-connection-*"', context)).toBe(true);
    expect(evaluateCondition('Missing == null && !Missing', context)).toBe(true);
    expect(evaluateCondition('Offline == "false"', context)).toBe(true);
  });

  it('reports syntax errors with their position and never runs code', () => {
    expect(() => parseCondition('PolicyType ==')).toThrow(new ConditionError('the condition ends too early'));
    expect(() => parseCondition('a == "b')).toThrow(/unterminated " quote at character 6/);
    expect(() => parseCondition('process.exit(1)')).toThrow(/unexpected "\(" at character 13/);
    expect(() => parseCondition('a; b')).toThrow(/unexpected character ";" at character 2/);
    expect(() => parseCondition('(a == 1')).toThrow(/ends too early/);
    expect(() => evaluateCondition('Controls > 3', context)).toThrow(/cannot compare/);
    expect(evaluateCondition('constructor.name == "Object"', context)).toBe(false);
  });
});
