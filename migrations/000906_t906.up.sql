CREATE TABLE t906 (id bigint PRIMARY KEY, name text NOT NULL);
