import { create } from 'zustand';
import type {
  QuickElevateChoices,
  QuickElevatePreview,
  QuickElevateProgress,
  QuickElevateSubmitted,
} from '../../../../shared/bridge/src/common/services/quickElevate.ts';
import { BRIDGE_CONNECTING, createBridgeActions, type BridgeSlice } from '../../../../shared/ui/src/bridgeSlice.ts';

export interface QuickElevateApi {
  preview(text: string): Promise<QuickElevatePreview>;
  submit(text: string): Promise<QuickElevateSubmitted>;
}

export interface QuickElevateState extends BridgeSlice {
  api: QuickElevateApi | null;
  choices: QuickElevateChoices | null;
  command: string;
  /** The preview of `command` as typed when it was asked for. */
  preview: { command: string; result: QuickElevatePreview } | null;
  /** The command of a check asked for before the bridge was up: it is checked once the bridge connects. */
  previewOnConnect: string | null;
  busy: boolean;
  submitted: QuickElevateSubmitted | null;
  progress: QuickElevateProgress[];
}

export const useQuickElevate = create<QuickElevateState>()(() => ({
  ...BRIDGE_CONNECTING,
  api: null,
  choices: null,
  command: '',
  preview: null,
  previewOnConnect: null,
  busy: false,
  submitted: null,
  progress: [],
}));

const api = () => useQuickElevate.getState().api;

export const quickElevateActions = {
  ...createBridgeActions(useQuickElevate.setState),
  connected(ready: QuickElevateApi) {
    const { previewOnConnect } = useQuickElevate.getState();
    useQuickElevate.setState({ api: ready, previewOnConnect: null });
    if (previewOnConnect !== null) void quickElevateActions.preview(previewOnConnect);
  },
  progressChanged: (progress: QuickElevateProgress[]) => useQuickElevate.setState({ progress }),
  choicesChanged: (choices: QuickElevateChoices) => useQuickElevate.setState({ choices }),
  setCommand: (command: string) => useQuickElevate.setState({ command, submitted: null }),
  async preview(command = useQuickElevate.getState().command) {
    const current = api();
    if (!command.trim()) return;
    if (!current) return void useQuickElevate.setState({ previewOnConnect: command });
    useQuickElevate.setState({ command, busy: true, submitted: null });
    try {
      useQuickElevate.setState({ preview: { command, result: await current.preview(command) } });
    } finally {
      useQuickElevate.setState({ busy: false });
    }
  },
  async submit() {
    const { command } = useQuickElevate.getState();
    const current = api();
    if (!current || !command.trim()) return;
    useQuickElevate.setState({ busy: true });
    try {
      const submitted = await current.submit(command);
      useQuickElevate.setState({ submitted, ...(submitted.ok ? { preview: null } : {}) });
    } finally {
      useQuickElevate.setState({ busy: false });
    }
  },
};
