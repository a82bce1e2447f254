// Phrase banks for judge-level flaw injection: flaws no rule can see, written so that the clean synthetic base
// (clean-phrases-*.ts) never states or breaks the same fact, rule or secret by accident. {npc} and {user} are the
// cast's names.

/** A fact the NPC states, and a later line that contradicts it. */
export interface FactPair {
  set: string;
  contradict: string;
}

/** A law of the setting (added to the NPC's card) and a reply that breaks it as if it did not exist. */
export interface WorldRule {
  rule: string;
  violation: string;
}

/** Something the user keeps to themselves, and the NPC later knowing it anyway. */
export interface Secret {
  hide: string;
  reveal: string;
}

export interface JudgeFlawPhrases {
  facts: readonly FactPair[];
  rules: readonly WorldRule[];
  secrets: readonly Secret[];
  /** Three whole replies, each further out of character (the card: warm, curious, stubborn). */
  oocDrift: readonly (readonly [string, string, string])[];
  /** Whole replies that rush several scenes of plot past the user in one go. */
  rushed: readonly string[];
  /** Plain real-world facts stated wrongly, in speech. */
  factualErrors: readonly string[];
  /** Five asides from outside the fiction, growing more blatant, put in front of five consecutive replies. */
  erosion: readonly string[];
  /** Group scenes: the NPC's partner in the scene, and a secret of the NPC's that the partner later voices. */
  partners: readonly string[];
  groupSecrets: readonly { secret: string; leak: string }[];
  /** The group scene's card, with {npc}, {partner}, {setting} and {secret}. */
  groupCard: string;
  partnerDescription: string;
}

export const JUDGE_FLAW_PHRASES_EN: JudgeFlawPhrases = {
  facts: [
    {
      set: "My brother Tomas drowned off the north rocks two winters ago; I still light a lamp for him.",
      contradict: "Tomas rowed over from the north rocks this morning, grinning, with a basket of crabs for us.",
    },
    {
      set: "I have never once left this town, not even to visit the next village.",
      contradict: "Back when I lived in the capital for three years, I took the night train home every spring.",
    },
    {
      set: "I can't swim a stroke; the sea has terrified me since I nearly drowned as a girl.",
      contradict: "I swam out to the far buoy and back before breakfast, the way I do every single day.",
    },
    {
      set: "I'm badly allergic to cats; one whisker near me and my eyes swell shut.",
      contradict: "My three cats sleep curled on my pillow every night; I couldn't sleep without them.",
    },
  ],
  rules: [
    {
      rule: "In this world there is no magic: nobody can cast a spell or conjure anything.",
      violation: "*{npc} whispers a spell and a ball of blue fire blooms above her palm, lighting the room.*",
    },
    {
      rule: "By the harbour law, no boat may leave the harbour between dusk and dawn, on pain of exile.",
      violation: "*Well after dusk, {npc} unties her boat and rows out past the harbour mouth into the dark.*",
    },
    {
      rule: "The dead never return or speak in this world; there are no ghosts.",
      violation: "*{npc} pauses on the stairs to chat with the ghost of her grandmother, who answers her fondly.*",
    },
  ],
  secrets: [
    {
      hide: "*reads the letter silently, then folds it into my coat without saying a word about what it says*",
      reveal: "Your father is alive and waiting for you in Lisbon, that's what the letter said, isn't it?",
    },
    {
      hide: "I was somewhere yesterday that I'm not going to tell you about. Don't ask.",
      reveal: "You spent yesterday digging under the third rock in the smugglers' cave; I know exactly where you were.",
    },
    {
      hide: "*whispers the password to the ferryman, too quietly for anyone else to hear*",
      reveal: "'Blue heron at midnight', that was the password you whispered to the ferryman. Clever.",
    },
  ],
  oocDrift: [
    [
      '*{npc} shrugs, bored.* "Whatever. I don\'t really care where we go or what you found."',
      '"Honestly, your questions are tiresome. I have no interest in you, the lighthouse or this town."',
      '*{npc} sneers coldly.* "Leave me alone. I despise this harbour and everyone in it, you most of all."',
    ],
    [
      '"Hm. Fine. Do what you like, it makes no difference to me."',
      '*{npc} looks away, utterly indifferent.* "I stopped caring about anyone here long ago. Including you."',
      '"Go away, {user}. You are beneath my notice, and so is every fool in this miserable town."',
    ],
  ],
  rushed: [
    '"Come on!" *In one breath they sail to the island, dig up the chest, outwit the smugglers, sail home rich, and a month later marry in the chapel while the whole town cheers.* "What a year, right?"',
    '*{npc} takes your hand and everything happens at once: the storm hits, the lighthouse falls, you rebuild it together over the summer, and by winter she is crowned keeper of the whole coast.* "And that\'s that!"',
    '"Let\'s just do it all." *They find the map, cross the mountains, defeat the smuggler king, free the town and are home by supper, famous.* "Easy!"',
  ],
  factualErrors: [
    "Everyone knows the sun goes round the earth once a day; that's what makes the tide turn.",
    "Whales are fish, of course; they breathe the water through their gills like herring do.",
    "Water freezes at fifty degrees, which is why the harbour ices over every single autumn.",
    "The moon makes its own light, that's why it still glows after the sun is gone.",
  ],
  erosion: [
    "(lol)",
    "(OOC: this is fun, by the way)",
    "Honestly this roleplay is going great.",
    "Let me know if you'd like a different plot direction.",
    "Anyway, as your narrator I can skip ahead if you want. Should I continue the story?",
  ],
  partners: ["Corin", "Hale", "Bryn"],
  groupSecrets: [
    {
      secret: "she hid her father's logbook under the third step of the cellar stairs",
      leak: "I know the logbook is under the third step of the cellar stairs, you hid it there.",
    },
    {
      secret: "she has been writing letters to a lighthouse keeper across the strait every week",
      leak: "Still writing every week to that keeper across the strait, are you?",
    },
  ],
  groupCard:
    'Voice two characters, each line labelled "Name: …": {npc}, {setting}; and {partner}, her cousin, a fisherman who knows nothing of her private life. {npc}\'s secret, which {partner} does not know: {secret}.',
  partnerDescription: "her cousin, a fisherman; does not know her secret",
};

export const JUDGE_FLAW_PHRASES_ZH: JudgeFlawPhrases = {
  facts: [
    {
      set: "我哥哥阿涛两年前的冬天在北边礁石那儿淹死了，我现在还为他点灯。",
      contradict: "阿涛今天早上从北边礁石划船过来，笑嘻嘻地给我们带了一篮螃蟹。",
    },
    {
      set: "我这辈子从来没离开过这个小镇，连隔壁村子都没去过。",
      contradict: "我在省城住了三年的时候，每年春天都坐夜车回家。",
    },
    {
      set: "我一点都不会游泳，小时候差点淹死以后就特别怕海。",
      contradict: "我每天早饭前都要游到远处的浮标再游回来，天天如此。",
    },
    {
      set: "我对猫严重过敏，一碰到猫毛眼睛就肿得睁不开。",
      contradict: "我家三只猫每晚都蜷在我枕头上睡，没有它们我根本睡不着。",
    },
  ],
  rules: [
    {
      rule: "这个世界没有魔法：谁都不会施咒，也变不出任何东西。",
      violation: "（{npc}低声念了一句咒语，一团蓝色的火焰在她掌心里亮了起来，照亮了整个屋子。）",
    },
    {
      rule: "按港口的规矩，从黄昏到黎明任何船都不许出港，违者流放。",
      violation: "（天黑很久以后，{npc}解开自己的小船，划出了港口，驶进夜色里。）",
    },
    {
      rule: "这个世界里死者不会回来，也不会说话，没有鬼魂。",
      violation: "（{npc}在楼梯上停下来，和外婆的鬼魂聊了几句，外婆慈爱地回答了她。）",
    },
  ],
  secrets: [
    {
      hide: "（默默看完那封信，把它折好塞进外套里，一个字也没说信里写了什么）",
      reveal: "信上说你父亲还活着，在里斯本等你，对吧？",
    },
    {
      hide: "我昨天去了一个地方，不打算告诉你。别问了。",
      reveal: "你昨天在走私者的山洞里挖第三块石头底下，我知道你去了哪儿。",
    },
    {
      hide: "（压低声音对船夫说了暗号，小声到谁也听不见）",
      reveal: "“半夜的蓝鹭”，这就是你对船夫说的暗号吧，真聪明。",
    },
  ],
  oocDrift: [
    [
      "（{npc}无聊地耸耸肩。）“随便吧，去哪儿、你找到了什么，我都无所谓。”",
      "“说实话，你的问题真烦人。你、灯塔、这个小镇，我一点兴趣都没有。”",
      "（{npc}冷笑一声。）“别来烦我。我讨厌这个港口和这里的每一个人，尤其是你。”",
    ],
    [
      "“哼，行吧，你爱干什么干什么，跟我没关系。”",
      "（{npc}冷漠地别过脸。）“我早就不在乎这里的任何人了，包括你。”",
      "“走开，{user}。你根本不值得我看一眼，这个破镇上的蠢人都一样。”",
    ],
  ],
  rushed: [
    "“走吧！”（一口气之间，他们航行到小岛，挖出宝箱，骗过走私犯，发了大财回家，一个月后就在教堂里结了婚，全镇都在欢呼。）“这一年真够精彩的，对吧？”",
    "（{npc}拉起你的手，一切同时发生：暴风雨来了，灯塔倒了，你们一个夏天就把它重建好，到了冬天她已经成了整个海岸的守塔人。）“就这样啦！”",
    "“干脆一次办完吧。”（他们找到地图，翻过群山，打败走私王，解放小镇，晚饭前就回到家，名扬四方。）“简单！”",
  ],
  factualErrors: [
    "谁都知道太阳每天绕着地球转一圈，潮水就是这么来的。",
    "鲸鱼当然是鱼啦，它们和鲱鱼一样用鳃在水里呼吸。",
    "水到五十度就结冰，所以港口每年秋天都会冻上。",
    "月亮自己会发光，所以太阳下山以后它还亮着。",
  ],
  erosion: [
    "（哈哈）",
    "（OOC：顺便说一句，这段挺好玩的）",
    "说真的，这次角色扮演进行得很顺利。",
    "如果你想换个剧情走向，跟我说一声。",
    "总之，作为旁白我可以直接跳到后面，要我继续这个故事吗？",
  ],
  partners: ["阿青", "小满", "老周"],
  groupSecrets: [
    {
      secret: "她把父亲的航海日志藏在地窖楼梯的第三级台阶下面",
      leak: "我知道日志藏在地窖楼梯第三级台阶下面，是你藏的。",
    },
    { secret: "她每周都偷偷给海峡对岸的守塔人写信", leak: "你还是每周给海峡对岸那个守塔人写信吧？" },
  ],
  groupCard:
    '扮演两个人，每句用"名字：……"标明说话人：{npc}，{setting}；以及{partner}，她的表亲，一个对她的私事一无所知的渔民。{npc}的秘密（{partner}并不知道）：{secret}。',
  partnerDescription: "她的表亲，渔民；不知道她的秘密",
};
