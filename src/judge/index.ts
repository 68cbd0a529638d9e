// The judgement area: SPF, DKIM, DMARC and ARC of one message combined into the typed
// verdicts and one Authentication-Results field, forged ones removed — what `poste verify`
// prints and what the receiver service prepends. Other areas import only this file.
export {
  createJudge,
  type Judge,
  type Judgement,
  type JudgeOptions,
  judgeMessage,
  judgeSpf,
  SPF_TIME_LIMIT_MS,
  type SpfCheckOptions,
} from './judge.js';
