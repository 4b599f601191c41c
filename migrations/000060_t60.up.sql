CREATE TABLE t60 (id bigint PRIMARY KEY, name text NOT NULL);
