/** The lint's view of `arn:aws:states:::events:putEvents` and of the `${EventBusName}` substitution. */
import { describe, expect, it } from 'vitest';
import {
  isSupportedTaskResource,
  lintWorkflowDefinition,
  supportedTaskResources,
} from '../../infra/asl-lint.js';
import {
  eventBusSubstitution,
  localEventBusName,
  workflowSubstitutions,
  localFunctionArn,
} from '../../infra/workflows.js';
import { fixtureTasks } from '../fixtures/tasks/fixture-tasks.js';

const opts = { tasks: fixtureTasks };

const entry = (fields: Record<string, unknown> = {}) => ({
  EventBusName: '${EventBusName}',
  Source: 'lumina.submissions',
  DetailType: 'submission.approved',
  'Detail.$': '$',
  ...fields,
});

function publishing(parameters: unknown, resource: string = supportedTaskResources.eventsPutEvents) {
  return {
    StartAt: 'Publish',
    States: { Publish: { Type: 'Task', Resource: resource, Parameters: parameters, End: true } },
  };
}

describe('events:putEvents', () => {
  it('is a supported resource; its .waitForTaskToken form and other services are not', () => {
    expect(isSupportedTaskResource('arn:aws:states:::events:putEvents')).toBe(true);
    expect(isSupportedTaskResource('arn:aws:states:::events:putEvents.waitForTaskToken')).toBe(false);
    expect(isSupportedTaskResource('arn:aws:states:::sns:publish')).toBe(false);
  });

  it.each([
    [
      'the submission review form',
      { Entries: [entry({ 'Detail.$': undefined, Detail: { 'id.$': '$.id' } })] },
    ],
    ['Detail from a path', { Entries: [entry()] }],
    ['a Detail string holding an object', { Entries: [entry({ 'Detail.$': undefined, Detail: '{"a":1}' })] }],
    [
      'every field from paths',
      { Entries: [{ 'EventBusName.$': '$.bus', 'Source.$': '$.s', 'DetailType.$': '$.t', 'Detail.$': '$' }] },
    ],
    ['Entries from a path', { 'Entries.$': '$.entries' }],
    ['ten entries', { Entries: Array.from({ length: 10 }, () => entry()) }],
    ['the substituted local bus name', { Entries: [entry({ EventBusName: localEventBusName })] }],
  ])('accepts %s', (_name, parameters) => {
    expect(lintWorkflowDefinition(publishing(parameters), opts)).toEqual([]);
  });

  it.each([
    ['no Parameters', undefined, 'events:putEvents needs Parameters with Entries'],
    ['no entries', { Entries: [] }, 'a list of 1 to 10 entries'],
    ['eleven entries', { Entries: Array.from({ length: 11 }, () => entry()) }, 'a list of 1 to 10 entries'],
    [
      'an entry without Source',
      { Entries: [entry({ Source: undefined })] },
      'Entries[0]: Source is required',
    ],
    [
      'an entry without DetailType',
      { Entries: [entry({ DetailType: undefined })] },
      'DetailType is required',
    ],
    ['an entry without Detail', { Entries: [entry({ 'Detail.$': undefined })] }, 'Detail is required'],
    [
      'a Detail list',
      { Entries: [entry({ 'Detail.$': undefined, Detail: '[1]' })] },
      'Detail must be a JSON object',
    ],
    ['the default bus', { Entries: [entry({ EventBusName: undefined })] }, 'not missing (the default bus)'],
    [
      'another bus',
      { Entries: [entry({ EventBusName: 'other' })] },
      'EventBusName must be "${EventBusName}"',
    ],
  ])('rejects %s', (_name, parameters, expected) => {
    expect(lintWorkflowDefinition(publishing(parameters), opts)).toEqual(
      expect.arrayContaining([expect.stringContaining(expected)]),
    );
  });

  it('rejects events:putEvents.waitForTaskToken as not supported by the local runtime', () => {
    const definition = publishing(
      { Entries: [entry({ 'Detail.$': undefined, Detail: { 'token.$': '$$.Task.Token' } })] },
      'arn:aws:states:::events:putEvents.waitForTaskToken',
    );
    expect(lintWorkflowDefinition(definition, opts)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'Task resource arn:aws:states:::events:putEvents.waitForTaskToken is not supported by the local runtime',
        ),
      ]),
    );
  });
});

describe('${EventBusName}', () => {
  it('is a known substitution, the local bus unless told otherwise', () => {
    expect(eventBusSubstitution).toBe('EventBusName');
    expect(workflowSubstitutions(localFunctionArn, fixtureTasks)[eventBusSubstitution]).toBe(
      localEventBusName,
    );
    expect(
      workflowSubstitutions(localFunctionArn, fixtureTasks, { eventBusName: 'Lumina-events' })[
        eventBusSubstitution
      ],
    ).toBe('Lumina-events');
  });

  it('is not reported as an unknown substitution; other keys still are', () => {
    const definition = {
      StartAt: 'Set',
      States: { Set: { Type: 'Pass', Result: { bus: '${EventBusName}', url: '${SiteUrl}' }, End: true } },
    };
    expect(lintWorkflowDefinition(definition, opts)).toEqual([
      expect.stringContaining('unknown substitution(s) ${SiteUrl}:'),
    ]);
  });
});
