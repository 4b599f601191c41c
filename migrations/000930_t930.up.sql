CREATE TABLE t930 (id bigint PRIMARY KEY, name text NOT NULL);
