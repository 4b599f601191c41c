CREATE TABLE t767 (id bigint PRIMARY KEY, name text NOT NULL);
