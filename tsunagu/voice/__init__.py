"""お客様の声: the voice register (感謝・不満・要望・その他), monthly sharing (回覧), improvements, analysis of
the words (SudachiPy), similar past voices, and the complaint / そんぽADR analysis."""
