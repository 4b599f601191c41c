CREATE TABLE t890 (id bigint PRIMARY KEY, name text NOT NULL);
