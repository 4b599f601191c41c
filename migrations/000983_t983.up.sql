CREATE TABLE t983 (id bigint PRIMARY KEY, name text NOT NULL);
