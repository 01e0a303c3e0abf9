console.log("soutu")
