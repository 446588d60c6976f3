import { create } from 'zustand';
import { createPromptSlice, type PromptSlice } from '../../../../shared/ui/src/promptStore.ts';

export type JustificationWindowState = PromptSlice;

export const useJustificationWindow = create<JustificationWindowState>()(createPromptSlice);
