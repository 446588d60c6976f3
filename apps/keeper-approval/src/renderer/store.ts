import { create } from 'zustand';
import { createPromptSlice, type PromptSlice } from '../../../../shared/ui/src/promptStore.ts';

export type ApprovalWindowState = PromptSlice;

export const useApprovalWindow = create<ApprovalWindowState>()(createPromptSlice);
