/// Function words of Portuguese, English and Spanish: articles, pronouns, prepositions,
/// conjunctions, auxiliary and very common verb forms, and frequent adverbs.
///
/// Keywords and embeddings ignore them, since they say nothing about a text's topic. Lists are
/// lowercase with accents kept; `folded` holds the same words lowercased without accents, for
/// matching text typed without accents ("nao", "tambien"). The lists are applied together: a
/// knowledge base often mixes languages, and a word of one list that is a content word in
/// another (English "sea" and Spanish "sea") is rare enough to accept.
enum StopWords {
    static let portuguese: Set<String> = words(
        """
        a à ao aos aquela aquelas aquele aqueles aquilo as às até após antes depois durante desde
        contra entre sobre sob sem com como para pra pro pras pros por pela pelas pelo pelos perante
        de da das do dos dela delas dele deles dessa dessas desse desses desta destas deste destes
        disso disto daquela daquelas daquele daqueles daquilo em na nas no nos num numa nuns numas
        nessa nessas nesse nesses nesta nestas neste nestes nisso nisto naquela naquele naquilo
        o os um uma umas uns e é ou nem mas porém contudo todavia entretanto embora enquanto pois
        porque porquê portanto logo então assim também ainda já só apenas sempre nunca jamais
        aqui aí ali lá cá onde quando quanto quanta quantos quantas que quê quem qual quais cujo
        cuja cujos cujas se eu tu ele ela nós vós eles elas você vocês me te lhe lhes vos
        mim ti si comigo contigo conosco consigo meu meus minha minhas teu teus tua tuas seu seus
        sua suas nosso nossos nossa nossas vosso vossa isso isto esse essa esses essas este esta
        estes estas todo toda todos todas tudo cada outro outra outros outras algum alguma
        alguns algumas nenhum nenhuma ninguém alguém algo nada muito muita muitos muitas pouco
        pouca poucos poucas tanto tanta tantos tantas tão mais menos mesmo mesma mesmos mesmas
        ser sou és somos são era eras éramos eram fui foi fomos foram fora fosse fossem fôssemos
        for formos forem seja sejam sejamos será serão seria seriam sido sendo
        estar estou está estamos estão estava estavam estávamos esteve estive estivemos estiveram
        esteja estejam estiver estiverem estivesse estivessem estado estando
        ter tenho tem têm temos tinha tinham tínhamos tive teve tivemos tiveram tiver tiverem
        tivesse tivessem tenha tenham terá terão teria teriam tido tendo
        haver há hei havemos hão havia haviam houve houveram houver houvesse haja hajam havido
        ir vou vai vamos vão ia iam fazer faz fazem fez fazia pode podem poder podia pôde
        deve devem dever sim não bem
        """)

    static let english: Set<String> = words(
        """
        a an the and or nor but if then else than that this these those there here where when
        while why how what which who whom whose whoever whatever whenever wherever whether
        i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his
        himself she her hers herself it its itself they them their theirs themselves
        am is are was were be been being have has had having do does did doing done
        will would shall should can could may might must ought
        aren isn wasn weren haven hasn hadn don doesn didn won wouldn shan shouldn cannot
        couldn mightn mustn needn ain ll re ve s t d m o y
        of to in on at by for with about above after again against among around as before
        behind below beneath beside besides between beyond during except from into inside near
        off onto out outside over since through throughout till toward towards under until unto
        up upon via within without across along amid per
        all any both each either every few many more most much neither no none not only other
        others own same several some such so too very just also even ever never now once often
        always already still yet quite rather really almost enough however therefore thus
        although though because unless whereas whilst perhaps
        one ones anyone anything anybody everyone everything everybody someone something somebody
        nobody nothing another etc get gets got let lets like well
        """)

    static let spanish: Set<String> = words(
        """
        a al ante bajo cabe con contra de del desde durante en entre hacia hasta mediante para
        por según sin so sobre tras versus vía el la lo los las un una uno unos unas y e ni o u
        pero sino aunque mas más menos porque pues que qué quien quién quienes cual cuál cuales
        cuáles cuando cuándo cuanto cuánto cuanta cuantos cuantas donde dónde como cómo si no
        yo tú tu él ella ello nosotros nosotras vosotros vosotras ellos ellas usted ustedes
        me te se le les nos os mí ti sí conmigo contigo consigo mi mis tus su sus nuestro
        nuestra nuestros nuestras vuestro vuestra vuestros vuestras mío mía míos mías tuyo tuya
        tuyos tuyas suyo suya suyos suyas este esta estos estas esto ese esa esos esas eso aquel
        aquella aquellos aquellas aquello algo alguien algún alguna alguno algunos algunas nada
        nadie ningún ninguna ninguno todo toda todos todas otro otra otros otras mismo misma
        mismos mismas tanto tanta tantos tantas tan muy mucho mucha muchos muchas poco poca pocos
        pocas cada tal tales demasiado bastante ya aún todavía también tampoco solo sólo siempre
        nunca jamás aquí ahí allí allá acá así entonces luego después antes mientras dentro fuera
        ser soy eres es somos sois son era eras éramos eran fui fue fuimos fueron sea sean será
        serán sería serían sido siendo estar estoy estás está estamos están estaba estaban estuvo
        estado estando esté estén haber he has ha hemos han había habían hubo habrá habría haya
        hayan hay habido tener tengo tienes tiene tenemos tienen tenía tenían tuvo tendrá tenga
        tengan hacer hace hacen hizo puede pueden poder podía debe deben
        """)

    /// Every list, as written.
    static let all: Set<String> = portuguese.union(english).union(spanish)
    /// Every list, lowercased and without accents.
    static let folded: Set<String> = Set(all.map(EnrichmentText.fold))

    /// True when `word` (already lowercase) is a stop word, with or without its accents.
    static func contains(lowercased word: String) -> Bool {
        if all.contains(word) { return true }
        // An ASCII word is its own folded form; only others need Foundation's folding.
        return folded.contains(word.utf8.allSatisfy { $0 < 0x80 } ? word : EnrichmentText.fold(word))
    }

    private static func words(_ list: String) -> Set<String> {
        Set(list.split(whereSeparator: { $0.isWhitespace }).map(String.init))
    }
}
