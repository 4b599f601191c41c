CREATE TABLE t744 (id bigint PRIMARY KEY, name text NOT NULL);
