print("ltdet")
