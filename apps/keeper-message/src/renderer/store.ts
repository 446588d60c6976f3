import { create } from 'zustand';
import { createPromptSlice, type PromptSlice } from '../../../../shared/ui/src/promptStore.ts';

export type MessageWindowState = PromptSlice;

export const useMessageWindow = create<MessageWindowState>()(createPromptSlice);
