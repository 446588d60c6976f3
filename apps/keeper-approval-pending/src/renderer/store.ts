import { create } from 'zustand';
import { createPromptSlice, type PromptSlice } from '../../../../shared/ui/src/promptStore.ts';

export type ApprovalPendingWindowState = PromptSlice;

export const useApprovalPendingWindow = create<ApprovalPendingWindowState>()(createPromptSlice);
