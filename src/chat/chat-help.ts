/** What `/help` prints: every command of a chat session. */
export const CHAT_HELP = `Type a line to speak as yourself. Commands:
  /next               let the director pick who speaks next (no line from you)
  /as <name>          make <name> speak next
  /swipe              regenerate the last character line (the old one stays as a sibling)
  /prev, /next-swipe  show the previous / next alternative of the last line
  /undo               take back the last turn;  /rollback <turn> to go further
  /branch <name>      fork here and switch;  /branches;  /switch <name>
  /why                what the last generated line's prompt held and why (the manifest)
  /why <fact>         why a fact holds, e.g. /why Alex at glade
  /facts [subject]    current facts;  /who  the director's scores
  /time <+2h>         let story time pass;  /away <8h>  off-screen characters act (a proposal to /keep or /discard)
  /help, /quit
When a line breaks a rule you choose: /regen · /accept [n|all] · /drop <n> · /edit <new text> · /cancel`;
