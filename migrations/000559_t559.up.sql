CREATE TABLE t559 (id bigint PRIMARY KEY, name text NOT NULL);
