CREATE TABLE t926 (id bigint PRIMARY KEY, name text NOT NULL);
